package org.tinyphone.server.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Sets the level of Tinyphone's loggers at run time (config key log.level). */
final class Logging {
    private Logging() {}

    static void setLevel(String level) {
        if (LoggerFactory.getLogger("org.tinyphone") instanceof Logger l) l.setLevel(Level.toLevel(level, Level.INFO));
    }
}
