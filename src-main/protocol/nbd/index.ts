export * from './constants.ts';
export * from './errors.ts';
export * from './handshake.ts';
export * from './option-data.ts';
export * from './transmission.ts';
