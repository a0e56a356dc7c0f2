package io.lingma.gateway.it;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Every log event of the process, with every configured logger at TRACE (the console stays at INFO). Start it
 * before the app boots (a static initialiser), {@link #stop()} it after the class: that reloads the log4j2 file.
 */
final class LogCapture {

    /** One event as text: level, logger, message, parameters, context data and the thrown stack trace. */
    record Line(Level level, String logger, String message, String text) {
    }

    private final Queue<Line> lines = new ConcurrentLinkedQueue<>();
    private final AbstractAppender appender = new AbstractAppender("log-capture", null, null, true,
            Property.EMPTY_ARRAY) {
        @Override
        public void append(LogEvent event) {
            lines.add(line(event));
        }
    };

    private LogCapture() {
    }

    /** @return a running capture; all loggers at TRACE */
    static LogCapture startAtTrace() {
        LogCapture capture = new LogCapture();
        capture.appender.start();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        List<LoggerConfig> loggers = new ArrayList<>(config.getLoggers().values());
        loggers.add(config.getRootLogger());
        loggers.forEach(l -> l.setLevel(Level.TRACE));
        LoggerConfig root = config.getRootLogger();
        root.getAppenders().values().forEach(a -> {
            root.removeAppender(a.getName());
            root.addAppender(a, Level.INFO, null);
        });
        root.addAppender(capture.appender, Level.TRACE, null);
        context.updateLoggers();
        return capture;
    }

    /** @return the events so far, oldest first */
    List<Line> lines() {
        return List.copyOf(lines);
    }

    /** Forgets the events so far. */
    void clear() {
        lines.clear();
    }

    /** Stops capturing and reloads the log4j2 configuration file (levels and appenders as shipped). */
    void stop() {
        ((LoggerContext) LogManager.getContext(false)).reconfigure();
        appender.stop();
    }

    private static Line line(LogEvent event) {
        String message = event.getMessage().getFormattedMessage();
        StringBuilder sb = new StringBuilder(message);
        Object[] params = event.getMessage().getParameters();
        if (params != null) {
            for (Object p : params) {
                sb.append(" | ").append(p);
            }
        }
        sb.append(" | ").append(event.getContextData());
        if (event.getThrown() != null) {
            StringWriter trace = new StringWriter();
            event.getThrown().printStackTrace(new PrintWriter(trace));
            sb.append('\n').append(trace);
        }
        return new Line(event.getLevel(), event.getLoggerName(), message, sb.toString());
    }
}
