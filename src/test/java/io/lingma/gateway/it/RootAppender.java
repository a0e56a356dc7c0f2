package io.lingma.gateway.it;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

import java.util.function.Consumer;

/** A test appender on the root logger that hands every event (at the loggers' own levels) to a consumer. */
final class RootAppender extends AbstractAppender {

    private final Consumer<LogEvent> sink;

    private RootAppender(String name, Consumer<LogEvent> sink) {
        super(name, null, null, true, Property.EMPTY_ARRAY);
        this.sink = sink;
    }

    @Override
    public void append(LogEvent event) {
        sink.accept(event);
    }

    /**
     * @param name the appender name
     * @param sink receives each event (copy it with {@code toImmutable()} to keep it)
     * @return the started, attached appender
     */
    static RootAppender attach(String name, Consumer<LogEvent> sink) {
        RootAppender appender = new RootAppender(name, sink);
        appender.start();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getRootLogger().addAppender(appender, null, null);
        context.updateLoggers();
        return appender;
    }

    /** Detaches and stops this appender. */
    void detach() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getRootLogger().removeAppender(getName());
        context.updateLoggers();
        stop();
    }
}
