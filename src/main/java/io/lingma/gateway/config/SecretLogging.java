package io.lingma.gateway.config;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Keeps the loggers that print secrets quiet, whatever the root level (lingma-remote.md §3.1: credentials are never
 * logged): HttpClient 5's header and wire loggers print the remote backend's {@code Cosy-Key},
 * {@code Cosy-Machineid} and signed {@code Authorization}; Camel's properties component prints every resolved
 * setting's value at DEBUG/TRACE, {@code gateway.remote.cosy-key} included. {@code
 * gateway.log.unsafe-wire-logging=true} turns the wire loggers on at DEBUG instead, lets the property loggers follow
 * the configured levels, and warns that the logs then contain secrets.
 */
public final class SecretLogging {

    /** The setting that turns the raw-traffic loggers on. */
    public static final String UNSAFE_SETTING = "gateway.log.unsafe-wire-logging";

    /** HttpClient 5's header and wire loggers, and Netty's byte dump handler (used by Vert.x's activity log). */
    public static final List<String> WIRE_LOGGERS = List.of("org.apache.hc.client5.http.headers",
            "org.apache.hc.client5.http.wire", "io.netty.handler.logging.LoggingHandler");

    /** Loggers that print setting values below INFO. */
    public static final List<String> PROPERTY_LOGGERS = List.of("org.apache.camel.component.properties");

    private static final Logger LOG = LoggerFactory.getLogger(SecretLogging.class);

    private SecretLogging() {
    }

    /**
     * Sets the {@link #WIRE_LOGGERS} to OFF and the {@link #PROPERTY_LOGGERS} to INFO at most, or, when {@code unsafe},
     * the wire loggers to DEBUG (then warns). Runs at start-up, before the first upstream request.
     *
     * @param unsafe {@value #UNSAFE_SETTING}
     */
    public static void apply(boolean unsafe) {
        for (String logger : WIRE_LOGGERS) {
            Configurator.setLevel(logger, unsafe ? Level.DEBUG : Level.OFF);
        }
        if (unsafe) {
            LOG.warn("{}=true: HTTP header and wire logging is on at DEBUG; the logs will contain secrets (Lingma "
                    + "credentials, signed Authorization headers) and prompts — turn it off after debugging",
                    UNSAFE_SETTING);
            return;
        }
        for (String logger : PROPERTY_LOGGERS) {
            if (LogManager.getLogger(logger).isDebugEnabled()) {
                Configurator.setLevel(logger, Level.INFO);
            }
        }
    }
}
