/**
 * The built-in simulator of Lingma's remote HTTP API (lingma-remote.md §11): COSY signature checks, per-account
 * model lists, SSE chat streams in the documented envelope, scripted replies and the §11.5 fault catalogue. Entry
 * point {@link io.lingma.gateway.simulator.remote.RemoteSimulator}; everything it lists or says is marked as the
 * simulator.
 */
package io.lingma.gateway.simulator.remote;
