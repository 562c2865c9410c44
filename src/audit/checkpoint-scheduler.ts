import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { Checkpoints } from './checkpoints';

/**
 * Signs a checkpoint whenever AUDIT_CHECKPOINT_EVERY new events are below the horizon. Every API
 * process runs one; an advisory lock lets only one of them sign each checkpoint.
 */
@Injectable()
export class CheckpointScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Checkpoints');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly checkpoints: Checkpoints,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.AUDIT_CHECKPOINT_EVERY === 0) return;
    if (!this.checkpoints.enabled) {
      this.logger.warn('no AUDIT_SIGNING_KEY: no checkpoints are signed, so a cut tail or a reordered log goes unnoticed by verify');
      return;
    }
    this.timer = setInterval(() => this.tick(), this.config.AUDIT_CHECKPOINT_POLL_SECONDS * 1000);
    this.timer.unref();
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.checkpoints
      .sign(this.config.AUDIT_CHECKPOINT_EVERY)
      .then((signed) => {
        for (const c of signed) this.logger.log(`signed checkpoint #${c.seq} over ${c.treeSize} events`);
      })
      .catch((error: unknown) => this.logger.warn(`could not sign a checkpoint (will retry): ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        this.running = null;
      });
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
