import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DomainError } from '../common/domain-error';
import { ApiKeys, type ApiKeyInfo } from './api-keys.service';
import { CreateKeyDto } from './dto/key.dto';
import { RequireRole } from './roles';

const notFound = () => new DomainError('KEY.NOT_FOUND', 'not_found', 'No such API key.');
const uuid = new ParseUUIDPipe({ exceptionFactory: notFound });

/** Admins issue, list and revoke API keys. The token is in the create response only; the store keeps its SHA-256. */
@ApiTags('keys')
@ApiBearerAuth()
@Controller('api/keys')
@RequireRole('admin')
export class KeysController {
  constructor(private readonly keys: ApiKeys) {}

  @Post()
  async create(@Body() body: CreateKeyDto, @Res({ passthrough: true }) res: FastifyReply): Promise<ApiKeyInfo & { token: string }> {
    const { id, token } = await this.keys.create(body.name, body.role, body.desks ?? []);
    const created = await this.find(id);
    res.header('Location', `/api/keys/${id}`);
    res.header('Cache-Control', 'no-store');
    return { ...created, token };
  }

  @Get()
  async list(): Promise<{ items: ApiKeyInfo[]; nextCursor: null }> {
    return { items: await this.keys.list(), nextCursor: null };
  }

  /** Revoking is idempotent: a revoked key answers with its first revocation time. */
  @Delete(':id')
  @HttpCode(200)
  async revoke(@Param('id', uuid) id: string): Promise<ApiKeyInfo> {
    await this.find(id);
    await this.keys.revokeById(id);
    return this.find(id);
  }

  private async find(id: string): Promise<ApiKeyInfo> {
    const key = (await this.keys.list()).find((k) => k.id === id);
    if (!key) throw notFound();
    return key;
  }
}
