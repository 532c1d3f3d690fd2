/** The media layer's emitters use the shared one (src/shared/typed-emitter.ts). */
export { TypedEmitter, type EventMap } from '../shared/typed-emitter.ts';
