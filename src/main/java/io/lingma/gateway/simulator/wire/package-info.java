/**
 * The IPC simulator's own wire code (lingma-ipc.md §4.1, §10.3), written from the spec and independent of the
 * gateway's {@code lingma/ipc} codec, so the simulator and the gateway only agree through the bytes they exchange.
 */
package io.lingma.gateway.simulator.wire;
