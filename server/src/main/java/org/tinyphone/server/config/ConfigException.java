package org.tinyphone.server.config;

/** A config file or value is wrong; the message names the key and where it came from. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) { super(message); }

    public ConfigException(String message, Throwable cause) { super(message, cause); }
}
