package org.tinyphone.server.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Sets the level of Tinyphone's loggers at run time (config key log.level; quieter for the command-line tools). */
final class Logging {
    private Logging() {}

    /** The level of every Tinyphone logger. */
    static void setLevel(String level) {
        setLevel("org.tinyphone", level);
    }

    /** The level of one logger and those under it. */
    static void setLevel(String logger, String level) {
        if (LoggerFactory.getLogger(logger) instanceof Logger l) l.setLevel(Level.toLevel(level, Level.INFO));
    }
}
