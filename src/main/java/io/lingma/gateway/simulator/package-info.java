/**
 * The built-in Lingma IPC simulator: a loopback WebSocket server that speaks Lingma's local IPC wire protocol
 * (JSON-RPC 2.0 in LSP {@code Content-Length} frames inside WebSocket messages, ACP dialect) so the gateway's real
 * IPC client runs end to end without Lingma. Normative behaviour: lingma-ipc.md §10 (simulator requirements),
 * §3.1 (discovery file), §4 (framing), §5 (ACP methods) and §6 (sessions).
 *
 * <p>Entry points: {@link io.lingma.gateway.simulator.LingmaSimulator} (embedded),
 * {@link io.lingma.gateway.simulator.SimulatorMain} (standalone) and {@link io.lingma.gateway.simulator.Scenario}
 * (scripted turns and faults). Everything it emits says it is the simulator: {@code serverInfo.name} is
 * {@code lingma-simulator}, the discovery file carries {@code "simulator":true}, the default reply starts with
 * "Hello from the Lingma simulator".
 */
package io.lingma.gateway.simulator;
