import { createHash } from 'node:crypto';
import { MerkleFrontier, inclusionProof, leafHash, merkleRoot, nodeHash, verifyInclusion } from './merkle';
import { mulberry32 } from '../../test/support/seeded-random';

/** MTH straight from RFC 6962 section 2.1, recursion and all, to hold the incremental version to. */
const referenceRoot = (leaves: Buffer[]): Buffer => {
  if (leaves.length === 0) return createHash('sha256').digest();
  if (leaves.length === 1) return leafHash(leaves[0]);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
};

// The eight inputs and roots of the certificate-transparency test vectors (merkle_tree_test.cc).
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((hex) =>
  Buffer.from(hex, 'hex'),
);
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

describe('RFC 6962 Merkle tree', () => {
  it('When the certificate-transparency test leaves are added one by one, then every root matches the published vector', () => {
    const frontier = new MerkleFrontier();
    expect(frontier.root().toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    CT_LEAVES.forEach((leaf, i) => {
      frontier.append(leaf);
      expect(frontier.root().toString('hex')).toBe(CT_ROOTS[i]);
    });
  });

  it('When trees of 0 to 70 random leaves are built incrementally, then each root equals the recursive definition and every inclusion proof checks out', () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    console.log(`merkle seed=${seed} (rerun with SEED=${seed})`);
    const random = mulberry32(seed);
    const leaves: Buffer[] = [];
    const frontier = new MerkleFrontier();
    for (let n = 0; n <= 70; n++) {
      const root = referenceRoot(leaves);
      expect(frontier.root().equals(root)).toBe(true);
      expect(merkleRoot(leaves).equals(root)).toBe(true);
      const restored = MerkleFrontier.fromBytes(frontier.size, frontier.toBytes());
      expect(restored.root().equals(root)).toBe(true);
      for (let m = 0; m < n; m++) {
        const path = inclusionProof(leaves, m);
        expect(verifyInclusion(leaves[m], m, n, path, root)).toBe(true);
        if (n > 1) {
          expect(verifyInclusion(leaves[(m + 1) % n], m, n, path, root)).toBe(leaves[(m + 1) % n].equals(leaves[m]));
          expect(verifyInclusion(leaves[m], (m + 1) % n, n, path, root)).toBe(false);
        }
      }
      const leaf = createHash('sha256').update(String(random())).digest();
      leaves.push(leaf);
      frontier.append(leaf);
    }
  });
});
