import { EventEmitter } from 'node:events';
import type { InterceptorEvent } from './events.ts';

/** Everything the interceptor saw, in order, with live listeners (the console streams it). */
export class EventLog {
  readonly events: InterceptorEvent[] = [];
  private readonly emitter = new EventEmitter();

  add(event: InterceptorEvent): void {
    this.events.push(event);
    this.emitter.emit('event', event);
  }

  onEvent(listener: (event: InterceptorEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  ofType<T extends InterceptorEvent['type']>(type: T): Array<Extract<InterceptorEvent, { type: T }>> {
    return this.events.filter((e): e is Extract<InterceptorEvent, { type: T }> => e.type === type);
  }
}

export const now = (): string => new Date().toISOString();
