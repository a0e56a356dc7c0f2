package io.lingma.gateway.config;

import io.lingma.gateway.lingma.ipc.IpcSettings;

import java.nio.file.Path;

/** Reads {@link IpcSettings} from the {@code gateway.ipc.*} and {@code gateway.session-cache.*} properties. */
final class IpcSettingsFactory {

    private IpcSettingsFactory() {
    }

    /**
     * @param props         the gateway properties (defaults: application.properties)
     * @param discoveryFile a discovery file that overrides {@code gateway.ipc.discovery-file} (the embedded
     *                      simulator's), or null
     * @return the IPC settings
     * @throws InvalidSettingException for a missing or invalid value (fatal at start)
     */
    static IpcSettings from(GatewayProperties props, Path discoveryFile) {
        String wsUrl = props.string("gateway.ipc.ws-url");
        String file = props.string("gateway.ipc.discovery-file");
        String tokenFile = props.string("gateway.ipc.machine-token-file");
        String cwd = props.string("gateway.ipc.cwd");
        String currentFile = props.string("gateway.ipc.current-file-path");
        return IpcSettings.builder()
                .wsUrl(discoveryFile != null ? "" : wsUrl)
                .wsPath(props.string("gateway.ipc.ws-path"))
                .wsHeaders(props.string("gateway.ipc.ws-headers"))
                .machineTokenFile(tokenFile.isEmpty() ? null : Path.of(tokenFile))
                .discoveryFile(discoveryFile != null ? discoveryFile : file.isEmpty() ? null : Path.of(file))
                .discoveryPrefer(props.enumValue("gateway.ipc.discovery-prefer", IpcSettings.DiscoveryPrefer.class))
                .sessionMode(props.enumValue("gateway.ipc.session-mode", IpcSettings.SessionMode.class))
                .handshakeTimeout(props.positiveDuration("gateway.ipc.handshake-timeout"))
                .setupTimeout(props.positiveDuration("gateway.ipc.setup-timeout"))
                .modelsTimeout(props.positiveDuration("gateway.ipc.models-timeout"))
                .deleteTimeout(props.positiveDuration("gateway.ipc.delete-timeout"))
                .idleTimeout(props.positiveDuration("gateway.ipc.idle-timeout"))
                .turnTimeout(props.duration("gateway.ipc.turn-timeout"))
                .finishGrace(props.duration("gateway.ipc.finish-grace"))
                .modelsTtl(props.positiveDuration("gateway.ipc.models-ttl"))
                .maxConcurrentTurns(props.integer("gateway.ipc.max-concurrent-turns", 1))
                .turnQueueSize(props.integer("gateway.ipc.turn-queue-size", 1))
                .maxFrameBytes((int) props.bytes("gateway.ipc.max-frame-bytes", 1024, Integer.MAX_VALUE))
                .protocolVersion(props.integer("gateway.ipc.protocol-version", 0))
                .serverRequestReply(props.enumValue("gateway.ipc.server-request-reply",
                        IpcSettings.ServerRequestReply.class))
                .sendCancel(props.bool("gateway.ipc.send-cancel"))
                .partialOnDisconnect(props.enumValue("gateway.ipc.partial-on-disconnect",
                        IpcSettings.PartialOnDisconnect.class))
                // empty = the gateway's own agent directory (application.properties)
                .cwd(cwd.isEmpty() ? Path.of(System.getProperty("user.home"), ".lingma-gateway", "agent-cwd")
                        : Path.of(cwd))
                .mode(props.oneOf("gateway.ipc.mode", "agent", "chat", ""))
                .shellType(props.string("gateway.ipc.shell-type"))
                .currentFilePath(currentFile.isEmpty() ? null : currentFile)
                .requestIdPrefix(props.string("gateway.ipc.request-id-prefix"))
                .retryRequestIdPrefix(props.string("gateway.ipc.retry-request-id-prefix"))
                .fileUriScheme(props.oneOf("gateway.ipc.file-uri-scheme", "", "lingma", "qodercn"))
                .reconnectBackoffMin(props.positiveDuration("gateway.ipc.reconnect-backoff-min"))
                .reconnectBackoffMax(props.positiveDuration("gateway.ipc.reconnect-backoff-max"))
                .maxBufferedBytes(props.bytes("gateway.stream.max-buffered-bytes", 1, Long.MAX_VALUE))
                .sessionCacheEnabled(props.bool("gateway.session-cache.enabled"))
                .sessionCacheMaxEntries(props.integer("gateway.session-cache.max-entries", 0))
                .sessionCacheTtl(props.duration("gateway.session-cache.ttl"))
                .sessionPoolSize(props.integer("gateway.ipc.session-pool.size", 0))
                .sessionPoolIdleTimeout(props.positiveDuration("gateway.ipc.session-pool.idle-timeout"))
                .build();
    }
}
