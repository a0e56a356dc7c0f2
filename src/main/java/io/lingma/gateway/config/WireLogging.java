package io.lingma.gateway.config;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Keeps the loggers that print raw HTTP traffic off, whatever the root level: HttpClient 5's header and wire
 * loggers print the remote backend's {@code Cosy-Key}, {@code Cosy-Machineid} and signed {@code Authorization}
 * (lingma-remote.md §3.1: never logged). {@code gateway.log.unsafe-wire-logging=true} turns them on at DEBUG
 * instead, for protocol debugging, and warns that the logs then contain secrets.
 */
public final class WireLogging {

    /** The setting that turns the raw-traffic loggers on. */
    public static final String UNSAFE_SETTING = "gateway.log.unsafe-wire-logging";

    /** HttpClient 5's header and wire loggers, and Netty's byte dump handler (used by Vert.x's activity log). */
    public static final List<String> LOGGERS = List.of("org.apache.hc.client5.http.headers",
            "org.apache.hc.client5.http.wire", "io.netty.handler.logging.LoggingHandler");

    private static final Logger LOG = LoggerFactory.getLogger(WireLogging.class);

    private WireLogging() {
    }

    /**
     * Sets the {@link #LOGGERS} to OFF, or to DEBUG when {@code unsafe} (then warns once). Runs at start-up, before
     * the first upstream request.
     *
     * @param unsafe {@value #UNSAFE_SETTING}
     */
    public static void apply(boolean unsafe) {
        for (String logger : LOGGERS) {
            Configurator.setLevel(logger, unsafe ? Level.DEBUG : Level.OFF);
        }
        if (unsafe) {
            LOG.warn("{}=true: HTTP header and wire logging is on at DEBUG; the logs will contain secrets (Lingma "
                    + "credentials, signed Authorization headers) and prompts — turn it off after debugging",
                    UNSAFE_SETTING);
        }
    }
}
