package org.tinyphone.ari;

import java.time.Instant;

/** {@code GET /asterisk/info}: what Asterisk says about itself (parts it did not send are null). */
public record AsteriskInfo(SystemInfo system, BuildInfo build, StatusInfo status, ConfigInfo config) {

    /** @param version e.g. {@code 22.10.1}; @param entityId the {@code asterisk_id} events carry */
    public record SystemInfo(String version, String entityId) {}

    public record BuildInfo(String os, String kernel, String machine, String options, String date, String user) {}

    public record StatusInfo(Instant startupTime, Instant lastReloadTime) {}

    public record ConfigInfo(String name, String defaultLanguage, Integer maxChannels, Double maxLoad, Integer maxOpenFiles) {}

    /** The Asterisk version, or {@code ""} if it was not reported. */
    public String version() { return system == null || system.version() == null ? "" : system.version(); }
}
