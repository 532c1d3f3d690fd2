import { describe, expect, it } from 'vitest';
import { QualityAggregator } from './quality.ts';

describe('QualityAggregator', () => {
  it('keeps min, average and max per metric, skipping unknown round-trip times', () => {
    const q = new QualityAggregator();
    expect(q.result()).toMatchObject({ samples: 0, metrics: { rttMs: { min: null, avg: null, max: null } } });
    q.add({ bitrateInKbps: 100, bitrateOutKbps: 50, packetLossPct: 0, rttMs: null });
    q.add({ bitrateInKbps: 300, bitrateOutKbps: 150, packetLossPct: 2, rttMs: 40 });
    expect(q.result()).toEqual({
      samples: 2,
      metrics: {
        bitrateInKbps: { min: 100, avg: 200, max: 300 },
        bitrateOutKbps: { min: 50, avg: 100, max: 150 },
        packetLossPct: { min: 0, avg: 1, max: 2 },
        rttMs: { min: 40, avg: 40, max: 40 },
      },
    });
  });
});
