package io.lingma.gateway.config;

import io.lingma.gateway.lingma.ipc.IpcSettings;

import java.nio.file.Path;

/** Reads {@link IpcSettings} from the {@code gateway.ipc.*} and {@code gateway.session-cache.*} properties. */
final class IpcSettingsFactory {

    private IpcSettingsFactory() {
    }

    /**
     * @param props         the gateway properties
     * @param discoveryFile a discovery file that overrides {@code gateway.ipc.discovery-file} (the embedded
     *                      simulator's), or null
     * @return the IPC settings; unset keys keep {@link IpcSettings#defaults()}
     * @throws IllegalArgumentException for invalid values (fatal at start)
     */
    static IpcSettings from(GatewayProperties props, Path discoveryFile) {
        IpcSettings d = IpcSettings.defaults();
        String file = props.string("gateway.ipc.discovery-file", "");
        String tokenFile = props.string("gateway.ipc.machine-token-file", "");
        String cwd = props.string("gateway.ipc.cwd", "");
        String shell = props.string("gateway.ipc.shell-type", "");
        String currentFile = props.string("gateway.ipc.current-file-path", "");
        return d.toBuilder()
                .wsUrl(discoveryFile != null ? "" : props.string("gateway.ipc.ws-url", d.wsUrl()))
                .wsPath(props.string("gateway.ipc.ws-path", d.wsPath()))
                .wsHeaders(props.string("gateway.ipc.ws-headers", d.wsHeaders()))
                .machineTokenFile(tokenFile.isEmpty() ? d.machineTokenFile() : Path.of(tokenFile))
                .discoveryFile(discoveryFile != null ? discoveryFile : file.isEmpty() ? d.discoveryFile() : Path.of(file))
                .discoveryPrefer(IpcSettings.DiscoveryPrefer.parse(
                        props.string("gateway.ipc.discovery-prefer", "qodercn")))
                .sessionMode(IpcSettings.SessionMode.parse(props.string("gateway.ipc.session-mode", "auto")))
                .handshakeTimeout(props.duration("gateway.ipc.handshake-timeout", d.handshakeTimeout()))
                .setupTimeout(props.duration("gateway.ipc.setup-timeout", d.setupTimeout()))
                .modelsTimeout(props.duration("gateway.ipc.models-timeout", d.modelsTimeout()))
                .deleteTimeout(props.duration("gateway.ipc.delete-timeout", d.deleteTimeout()))
                .idleTimeout(props.duration("gateway.ipc.idle-timeout", d.idleTimeout()))
                .turnTimeout(props.duration("gateway.ipc.turn-timeout", d.turnTimeout()))
                .finishGrace(props.duration("gateway.ipc.finish-grace", d.finishGrace()))
                .modelsTtl(props.duration("gateway.ipc.models-ttl", d.modelsTtl()))
                .maxConcurrentTurns(props.integer("gateway.ipc.max-concurrent-turns", d.maxConcurrentTurns()))
                .turnQueueSize(props.integer("gateway.ipc.turn-queue-size", d.turnQueueSize()))
                .maxFrameBytes((int) props.bytes("gateway.ipc.max-frame-bytes", d.maxFrameBytes()))
                .protocolVersion(props.integer("gateway.ipc.protocol-version", d.protocolVersion()))
                .serverRequestReply(IpcSettings.ServerRequestReply.parse(
                        props.string("gateway.ipc.server-request-reply", "null")))
                .sendCancel(props.bool("gateway.ipc.send-cancel", d.sendCancel()))
                .partialOnDisconnect(IpcSettings.PartialOnDisconnect.parse(
                        props.string("gateway.ipc.partial-on-disconnect", "error")))
                .cwd(cwd.isEmpty() ? d.cwd() : Path.of(cwd))
                .mode(props.string("gateway.ipc.mode", d.mode()))
                .shellType(shell.isEmpty() ? d.shellType() : shell)
                .currentFilePath(currentFile.isEmpty() ? null : currentFile)
                .requestIdPrefix(props.string("gateway.ipc.request-id-prefix", d.requestIdPrefix()))
                .retryRequestIdPrefix(props.string("gateway.ipc.retry-request-id-prefix",
                        d.retryRequestIdPrefix()))
                .fileUriScheme(props.string("gateway.ipc.file-uri-scheme", d.fileUriScheme()))
                .reconnectBackoffMin(props.duration("gateway.ipc.reconnect-backoff-min", d.reconnectBackoffMin()))
                .reconnectBackoffMax(props.duration("gateway.ipc.reconnect-backoff-max", d.reconnectBackoffMax()))
                .maxBufferedBytes(props.bytes("gateway.stream.max-buffered-bytes", d.maxBufferedBytes()))
                .sessionCacheEnabled(props.bool("gateway.session-cache.enabled", d.sessionCacheEnabled()))
                .sessionCacheMaxEntries(props.integer("gateway.session-cache.max-entries",
                        d.sessionCacheMaxEntries()))
                .sessionCacheTtl(props.duration("gateway.session-cache.ttl", d.sessionCacheTtl()))
                .build();
    }
}
