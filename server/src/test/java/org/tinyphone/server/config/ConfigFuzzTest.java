package org.tinyphone.server.config;

import static org.tinyphone.sim.fuzz.FuzzCheck.documented;
import static org.tinyphone.sim.fuzz.FuzzCheck.require;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import java.util.Map;

/**
 * A config file with anything in it, as {@link TinyphoneConfig#load(Path, Map, Map)} reads it once it has its bytes
 * (no file written per input): either gives a config whose every typed value reads, or refuses with a {@link ConfigException} that names the problem. Secrets (tokens, the AMI secret, the SMS
 * auth token) never show in {@code --print-config}. A file whose first character is '{' is the original hub's
 * config.json and goes through that reader. (Host names in {@code asterisk.allow} resolve through an empty hosts file in the
 * fuzzing JVMs, so they fail at once instead of asking DNS.)
 */
class ConfigFuzzTest {
    /** Names the fuzzed file in messages; never read: the bytes go to the loader {@code load(Path)} itself hands them to. */
    private static final Path FILE = Path.of("fuzzed.properties");

    @FuzzTest
    @DictionaryFile(resourcePath = "config.dict")
    void load(byte[] properties) {
        TinyphoneConfig c;
        try {
            c = TinyphoneConfig.load(FILE, properties, Map.of(), Map.of());
        } catch (ConfigException e) {
            documented(e, ConfigException.class);
            return;
        }
        for (TinyphoneConfig.Key k : TinyphoneConfig.KEYS) require(c.get(k.name()) != null, "every key has a value");
        for (String l : new String[] {"relay", "clients", "http", "fastagi", "audiosocket"}) {
            ListenerConfig lc = c.listener(l);
            require(lc.port() >= 0 && lc.port() <= 65535, "a port");
        }
        c.asteriskAllow();
        c.amiEnabled();
        require(c.clientQueue() > 0 && c.clientMaxLine() > 0 && c.clientMaxPendingCommands() > 0, "positive sizes");
        require(!c.clientOverloadTimeout().isNegative() && c.clientIdlePing().toMillis() >= 100, "durations as validated");
        c.with(Map.of());
        for (String line : c.describe()) {
            // a key may hold '=' itself (token.<number> from a file) and be the start of another key: the line is one of
            // the keys it starts with, shown as describe() promises (a secret as "(set)")
            require(keysOf(c, line).stream().anyMatch(key -> shownAsPromised(c, key, line.substring(key.length() + 1))),
                    () -> "a secret never shows: " + line);
        }
        c.tokens().forEach((number, token) -> require(!token.isEmpty(), "a token is never empty"));
    }

    /** The keys a describe() line may be of: every prefix before an '=' that is a key. */
    private static java.util.List<String> keysOf(TinyphoneConfig c, String line) {
        java.util.List<String> keys = new java.util.ArrayList<>();
        for (int i = line.indexOf('='); i >= 0; i = line.indexOf('=', i + 1)) {
            try {
                c.get(line.substring(0, i));
                keys.add(line.substring(0, i));
            } catch (IllegalArgumentException e) {
                // '=' inside the key: look further
            }
        }
        require(!keys.isEmpty(), () -> "describe() line without a key: " + line);
        return keys;
    }

    /** Whether {@code shown} (the line after "key=") starts as describe() promises for {@code key}: a secret as "(set)". */
    private static boolean shownAsPromised(TinyphoneConfig c, String key, String shown) {
        String value = c.get(key);
        boolean secret = key.startsWith("token.") || key.endsWith("secret") || key.endsWith("auth-token")
                || key.endsWith("bearer-token") || key.endsWith(".password");
        if (secret) return value.isEmpty() ? shown.startsWith(" ") || shown.isEmpty() : shown.startsWith("(set)");
        int query = value.indexOf('?');
        return shown.startsWith(query >= 0 ? value.substring(0, query) : value);
    }
}
