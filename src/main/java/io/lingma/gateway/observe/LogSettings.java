package io.lingma.gateway.observe;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.LoggerConfig;

import java.util.Locale;

/**
 * Applies the logging settings of issue 9 §2 to log4j2 at start-up: {@code gateway.log.format} (text = the
 * {@code console} appender's pattern, json = the {@code json} appender's JsonTemplateLayout, both declared in
 * log4j2.properties), {@code gateway.log.level} (root level; empty = the file's) and {@code gateway.log.access}
 * (false turns the access logger off). Loggers are changed in place, never by reloading the file.
 */
public final class LogSettings {

    /** The access logger: one line per request. */
    public static final String ACCESS_LOGGER = "io.lingma.gateway.access";

    private LogSettings() {
    }

    /**
     * @param format text | json
     * @param level  a log4j2 level name, or empty
     * @param access whether access lines are logged
     * @throws IllegalArgumentException for another format or an unknown level
     */
    public static void apply(String format, String level, boolean access) {
        String f = format == null ? "text" : format.trim().toLowerCase(Locale.ROOT);
        if (!f.equals("text") && !f.equals("json")) {
            throw new IllegalArgumentException("invalid value for gateway.log.format: " + format + " (text | json)");
        }
        if (!(LogManager.getContext(false) instanceof LoggerContext context)) {
            return; // another logging backend: its own configuration decides
        }
        if (f.equals("json")) {
            Configuration config = context.getConfiguration();
            Appender json = config.getAppender("json");
            Appender console = config.getAppender("console");
            LoggerConfig root = config.getRootLogger();
            if (json != null && console != null && root.getAppenders().containsKey("console")) {
                root.removeAppender("console");
                root.addAppender(json, null, null);
                context.updateLoggers();
            }
        }
        if (level != null && !level.isBlank()) {
            Level parsed = Level.getLevel(level.trim().toUpperCase(Locale.ROOT));
            if (parsed == null) {
                throw new IllegalArgumentException("invalid value for gateway.log.level: " + level);
            }
            Configurator.setRootLevel(parsed);
        }
        if (!access) {
            Configurator.setLevel(ACCESS_LOGGER, Level.OFF);
        }
    }
}
