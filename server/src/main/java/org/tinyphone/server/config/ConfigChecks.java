package org.tinyphone.server.config;

import java.util.List;
import java.util.Locale;

/** Every setting checked at once when the config is loaded, so a wrong value stops the start with its key named. */
final class ConfigChecks {
    private ConfigChecks() {}

    static void validate(TinyphoneConfig c) {
        for (String l : TinyphoneConfig.LISTENERS) {
            c.listener(l);
            c.maxConnections(l);
        }
        if (c.handshakeTimeout().toMillis() < 100) throw c.invalid("listeners.handshake-timeout", "at least 100ms");
        c.maxPerAddress();
        c.asteriskAllow();
        c.smsAllow();
        c.positive("sms.max-per-minute", 1, 1_000_000);
        String smsUrl = c.get("sms.url");
        if (!smsUrl.isEmpty() && !smsUrl.matches("https?://[^\\s]+")) {
            throw c.invalid("sms.url", "the webhook's full URL as configured at Twilio, e.g. https://phone.example.org/incoming");
        }
        c.port("ami.port");
        c.bool("ami.enabled");
        c.bool("ami.asyncagi");
        c.bool("ari.audio");
        if (!c.get("ari.url").matches("https?://[^/\\s]+/?(ari/?)?")) {
            throw c.invalid("ari.url", "Asterisk's HTTP address such as http://127.0.0.1:8088");
        }
        if (!c.get("ari.app").matches("[A-Za-z0-9_.:-]{1,64}")) throw c.invalid("ari.app", "a Stasis application name (letters, digits, _ . : -)");
        if (!c.get("ari.outbound.path").matches("/[A-Za-z0-9_./-]{0,200}")) throw c.invalid("ari.outbound.path", "a path such as /ari-out");
        if (c.bool("ari.enabled") && c.get("ari.user").isEmpty()) {
            throw new ConfigException("ari.enabled is true but ari.user is empty (" + c.source("ari.user") + ")");
        }
        c.positive("clients.queue", 10, 1_000_000);
        c.positive("clients.max-line", 256, 16 * 1024 * 1024);
        c.positive("clients.max-pending-commands", 1, 10_000);
        c.duration("clients.overload-timeout");
        if (c.duration("clients.idle-ping").toMillis() < 100) throw c.invalid("clients.idle-ping", "at least 100ms");
        String level = c.get("log.level").toUpperCase(Locale.ROOT);
        if (!List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF").contains(level)) {
            throw c.invalid("log.level", "one of TRACE, DEBUG, INFO, WARN, ERROR, OFF");
        }
        c.bool("public");
        for (String k : List.of("access.local", "access.remote")) {
            String v = c.get(k).toLowerCase(Locale.ROOT);
            if (!List.of("none", "watch", "full").contains(v)) throw c.invalid(k, "none, watch or full");
        }
        for (String dir : c.list("talkback.sound-dirs")) {
            if (!dir.startsWith("/")) throw c.invalid("talkback.sound-dirs", "absolute directories, comma-separated");
        }
        for (String fn : c.list("talkback.functions")) {
            if (!fn.matches("[A-Za-z][A-Za-z0-9_]{0,31}")) {
                throw c.invalid("talkback.functions", "dialplan function names such as CALLERID,CDR (no parentheses)");
            }
        }
        for (String origin : c.list("http.allowed-origins")) {
            if (!origin.equals("*") && !origin.matches("https?://[^/\\s]+")) {
                throw c.invalid("http.allowed-origins", "origins such as https://screen.example.org:8443 (scheme://host[:port], no path) or *");
            }
        }
        if (c.bool("ami.enabled") && c.get("ami.user").isEmpty()) {
            throw new ConfigException("ami.enabled is true but ami.user is empty (" + c.source("ami.user") + ")");
        }
        for (String name : c.names()) {
            if (name.startsWith("token.") && c.get(name).isEmpty()) {
                throw c.invalid(name, "a non-empty token");
            }
            if (name.startsWith("stream.") && TinyphoneConfig.isPerNumber(name)) c.streamUrl(name);
        }
        c.positive("stream.retries", 0, 1000);
        c.duration("stream.retry-delay");
        if (c.duration("stream.connect-timeout").toMillis() < 100) throw c.invalid("stream.connect-timeout", "at least 100ms");
        c.positive("stream.queue", 10, 1_000_000);
        if (c.duration("stream.play-buffer").toMillis() < 1000) throw c.invalid("stream.play-buffer", "at least 1s");
        c.positive("stream.max-message", 1024, 64 * 1024 * 1024);
        if (!c.get("stream.bearer-token").chars().allMatch(ch -> ch > 0x20 && ch < 0x7f)) {
            // a header value: no spaces, controls or line breaks (the value, a secret, is not repeated)
            throw new ConfigException("config key stream.bearer-token (" + c.source("stream.bearer-token")
                    + ") must be printable ASCII without spaces (it is sent as a header)");
        }
    }
}
