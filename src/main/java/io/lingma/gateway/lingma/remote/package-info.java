/**
 * Protocol library for Lingma's remote HTTP API ("COSY" gateway), normative spec lingma-remote.md: base URL
 * resolution ({@link io.lingma.gateway.lingma.remote.BaseUrlResolver}, §2), credentials from the IDE plugin's cache
 * ({@link io.lingma.gateway.lingma.remote.RemoteCredentialLoader}, §3), COSY signing
 * ({@link io.lingma.gateway.lingma.remote.CosySigner}, §4), {@code Encode=1}
 * ({@link io.lingma.gateway.lingma.remote.Encode1Codec}, §5), request bodies
 * ({@link io.lingma.gateway.lingma.remote.RemoteRequestFactory}, §6), model list
 * ({@link io.lingma.gateway.lingma.remote.RemoteModelListParser}, §6.1), SSE parsing
 * ({@link io.lingma.gateway.lingma.remote.RemoteSseParser}, §7) and error classification
 * ({@link io.lingma.gateway.lingma.remote.RemoteFailure}, §8). No HTTP transport lives here: the classes produce
 * signed {@link io.lingma.gateway.lingma.remote.RemoteHttpRequest}s and consume response lines. Credential values
 * never appear in logs, {@code toString()} or exception messages.
 */
package io.lingma.gateway.lingma.remote;
