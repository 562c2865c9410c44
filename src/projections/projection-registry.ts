import { EventStore } from '../event-store/event-store';
import { sameTable, type ProjectionDefinition } from './projection';

/** Every projection the app has; inline ones are handed to the store as they register. */
export class ProjectionRegistry {
  private readonly definitions = new Map<string, ProjectionDefinition>();

  constructor(private readonly store: EventStore) {}

  register(definition: ProjectionDefinition): void {
    if (this.definitions.has(definition.name)) throw new Error(`projection ${definition.name} is registered twice`);
    this.definitions.set(definition.name, definition);
    if (definition.mode === 'inline') this.store.registerInlineProjection(definition.create(sameTable));
  }

  all(): ProjectionDefinition[] {
    return [...this.definitions.values()];
  }

  async(): ProjectionDefinition[] {
    return this.all().filter((definition) => definition.mode === 'async');
  }

  get(name: string): ProjectionDefinition {
    const definition = this.definitions.get(name);
    if (!definition) {
      throw new Error(`No projection named "${name}"; known: ${[...this.definitions.keys()].join(', ')}.`);
    }
    return definition;
  }
}
