package org.tinyphone.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Everything Tinyphone's loggers write while it is open (INFO and up, whatever the test config says), as the
 * formatted lines would read: to count them under a flood and to read what outside bytes became.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Logger logger;
    private final Level before;

    private LogCapture(Logger logger) {
        this.logger = logger;
        this.before = logger.getLevel();
    }

    /** Starts capturing what the loggers under org.tinyphone write. */
    public static LogCapture begin() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        LogCapture c = new LogCapture(context.getLogger("org.tinyphone"));
        c.setContext(context);
        c.setName("capture");
        c.start();
        c.logger.setLevel(Level.INFO);
        c.logger.addAppender(c);
        return c;
    }

    @Override
    protected void append(ILoggingEvent event) {
        lines.add(event.getLevel() + " " + event.getLoggerName() + " - " + event.getFormattedMessage());
    }

    /** The lines so far. */
    public List<String> lines() { return List.copyOf(lines); }

    /** How many lines so far. */
    public int count() { return lines.size(); }

    @Override
    public void close() {
        logger.detachAppender(this);
        logger.setLevel(before);
        stop();
    }
}
