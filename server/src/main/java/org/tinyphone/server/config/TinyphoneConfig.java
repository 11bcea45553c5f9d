package org.tinyphone.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The server's settings: built-in defaults, then a Java properties file (or the original hub's config.json, see
 * {@link OriginalHubConfig}), then environment variables
 * ({@code TINYPHONE_} + the key in upper case with dots and dashes as underscores, e.g.
 * {@code TINYPHONE_HTTP_PORT}), then explicit overrides (command line). Every key is listed in {@link #KEYS}
 * and in docs/config.md; an unknown key is an error, so a typo never goes unnoticed.
 */
public final class TinyphoneConfig {

    /** One documented key. */
    public record Key(String name, String defaultValue, String description) {
        /** The environment variable that overrides it. */
        public String envVar() { return envVarOf(name); }
    }

    /** Where an effective value came from. */
    public record Value(String value, String source) {}

    private static final String TOKEN_PREFIX = "token.";
    /** {@code stream.<number>}: the app a number's calls stream their audio to (keys of KEYS starting so excepted). */
    private static final String STREAM_PREFIX = "stream.";
    /** The key prefixes of the listeners. */
    public static final List<String> LISTENERS = List.of("relay", "clients", "http", "fastagi", "audiosocket", "sms", "ari.outbound");

    /** Every key, in the order of docs/config.md (the table is {@link ConfigKeys}). */
    public static final List<Key> KEYS = ConfigKeys.ALL;

    private static final Map<String, Key> BY_NAME;

    static {
        Map<String, Key> m = new LinkedHashMap<>();
        for (Key k : KEYS) m.put(k.name(), k);
        BY_NAME = Collections.unmodifiableMap(m);
    }

    private final Map<String, Value> values; // effective, every key + tokens
    private final Path file;

    private TinyphoneConfig(Map<String, Value> values, Path file) {
        this.values = values;
        this.file = file;
    }

    /** Built-in defaults only. */
    public static TinyphoneConfig defaults() {
        return load(null, Map.of(), Map.of());
    }

    /**
     * @param file      properties file, or null
     * @param env       environment variables (System.getenv() in production)
     * @param overrides explicit key=value pairs that win over everything
     */
    public static TinyphoneConfig load(Path file, Map<String, String> env, Map<String, String> overrides) {
        return load(file, file == null ? null : ConfigFile.bytes(file), env, overrides);
    }

    /** As {@link #load(Path, Map, Map)} with the file's bytes already read ({@code file} names it, and says if it is .json). */
    static TinyphoneConfig load(Path file, byte[] content, Map<String, String> env, Map<String, String> overrides) {
        Map<String, Value> values = new LinkedHashMap<>();
        for (Key k : KEYS) values.put(k.name(), new Value(k.defaultValue(), "default"));
        Map<String, Value> tokens = new TreeMap<>();
        if (content != null) {
            for (ConfigFile.Setting e : ConfigFile.settings(file, content)) put(values, tokens, e.name(), e.value(), e.source(), true);
        }
        ConfigNames.checkEnvironment(env);
        for (Key k : KEYS) {
            String v = env.get(k.envVar());
            if (v != null) values.put(k.name(), new Value(v.trim(), "env " + k.envVar()));
        }
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            if (e.getKey().startsWith("TINYPHONE_TOKEN_") && e.getKey().length() > "TINYPHONE_TOKEN_".length()) {
                String number = e.getKey().substring("TINYPHONE_TOKEN_".length());
                tokens.put(TOKEN_PREFIX + number, new Value(e.getValue().trim(), "env " + e.getKey()));
            }
        }
        java.util.Set<String> keyVars = new java.util.HashSet<>();
        for (Key k : KEYS) keyVars.add(k.envVar());
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            String var = e.getKey();
            if (var.startsWith("TINYPHONE_STREAM_") && !keyVars.contains(var) && var.length() > "TINYPHONE_STREAM_".length()) {
                tokens.put(STREAM_PREFIX + var.substring("TINYPHONE_STREAM_".length()), new Value(e.getValue().trim(), "env " + var));
            }
        }
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            put(values, tokens, e.getKey().trim(), e.getValue().trim(), "command line", false);
        }
        values.putAll(tokens);
        derive(values);
        TinyphoneConfig c = new TinyphoneConfig(Collections.unmodifiableMap(values), file);
        ConfigChecks.validate(c);
        return c;
    }

    /** Where a default follows another key, this is its source. */
    private static final String PUBLIC_DEFAULT = "default (public=true)";

    /**
     * Defaults that follow {@code public}: with {@code public=true} the client listeners bind to every address and
     * clients on other hosts may watch, unless those keys were set themselves.
     */
    private static void derive(Map<String, Value> values) {
        for (String k : List.of("clients.bind", "http.bind", "access.remote")) {
            if (values.get(k).source().equals(PUBLIC_DEFAULT)) values.put(k, new Value(BY_NAME.get(k).defaultValue(), "default"));
        }
        String pub = values.get("public").value().toLowerCase(Locale.ROOT);
        if (!List.of("true", "yes", "on", "1").contains(pub)) return;
        for (String k : List.of("clients.bind", "http.bind")) {
            if (values.get(k).source().equals("default")) values.put(k, new Value("0.0.0.0", PUBLIC_DEFAULT));
        }
        if (values.get("access.remote").source().equals("default")) values.put("access.remote", new Value("watch", PUBLIC_DEFAULT));
    }

    private static void put(Map<String, Value> values, Map<String, Value> tokens, String name, String value,
                            String source, boolean fromFile) {
        if (isPerNumber(name)) {
            tokens.put(name, new Value(value, source));
            return;
        }
        if (!BY_NAME.containsKey(name)) {
            throw new ConfigException(unknown("config key '" + name + "' (" + source + ")", name, BY_NAME.keySet(), "'",
                    "Every key is listed in docs/config.md and by --print-config."));
        }
        values.put(name, new Value(value, source));
    }

    /** A per-number key: {@code token.<number>} or {@code stream.<number>} (not one of {@link #KEYS}). */
    static boolean isPerNumber(String name) {
        if (BY_NAME.containsKey(name)) return false;
        return name.startsWith(TOKEN_PREFIX) && name.length() > TOKEN_PREFIX.length()
                || name.startsWith(STREAM_PREFIX) && name.length() > STREAM_PREFIX.length()
                && "0123456789+*".indexOf(name.charAt(STREAM_PREFIX.length())) >= 0;
    }

    /** The one wording of every unknown name, with a "did you mean" ({@link ConfigNames#unknown}). */
    static String unknown(String what, String name, java.util.Collection<String> known, String quote, String where) {
        return ConfigNames.unknown(what, name, known, quote, where);
    }

    /** {@code TINYPHONE_*} variables of the rest of Tinyphone, no settings of the server and no typo ({@link ConfigNames}). */
    public static final Map<String, String> OTHER_VARIABLES = ConfigNames.OTHER_VARIABLES;

    /** The environment variable for a key: TINYPHONE_ + upper case, dots and dashes as underscores. */
    public static String envVarOf(String key) {
        return "TINYPHONE_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The names of every effective value (the keys, tokens and streams). */
    java.util.Set<String> names() { return values.keySet(); }

    // ---- typed access

    /** The effective value of a key ("" when empty). */
    public String get(String key) {
        Value v = values.get(key);
        if (v == null) throw new IllegalArgumentException("no such config key: " + key);
        return v.value();
    }

    /** Where a key's value came from: "default", "file PATH", "env NAME" or "command line". */
    public String source(String key) {
        Value v = values.get(key);
        return v == null ? "default" : v.source();
    }

    public boolean bool(String key) {
        String v = get(key).toLowerCase(Locale.ROOT);
        return switch (v) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw invalid(key, "true or false");
        };
    }

    /** A comma-separated list, each item trimmed, empty items left out. */
    public List<String> list(String key) {
        List<String> out = new ArrayList<>();
        for (String item : get(key).split(",")) {
            if (!item.isBlank()) out.add(item.trim());
        }
        return out;
    }

    public int integer(String key) {
        try {
            return Integer.parseInt(get(key));
        } catch (NumberFormatException e) {
            throw invalid(key, "a whole number");
        }
    }

    /** Longest duration any setting takes; beyond it a value is a mistake (and would overflow milliseconds). */
    static final Duration MAX_DURATION = Duration.ofDays(30);

    /** A duration like "10s", "500ms", "2m" or a plain number of seconds; never negative, at most {@link #MAX_DURATION}. */
    public Duration duration(String key) {
        String v = get(key).toLowerCase(Locale.ROOT);
        Duration d;
        try {
            if (v.endsWith("ms")) d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2).trim()));
            else if (v.endsWith("s")) d = Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1).trim()) * 1000));
            else if (v.endsWith("m")) d = Duration.ofSeconds(Math.multiplyExact(Long.parseLong(v.substring(0, v.length() - 1).trim()), 60L));
            else d = Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
        } catch (NumberFormatException | ArithmeticException e) {
            throw invalid(key, "a duration like 10s or 500ms");
        }
        if (d.isNegative()) throw invalid(key, "a duration like 10s or 500ms, not negative");
        if (d.compareTo(MAX_DURATION) > 0) throw invalid(key, "a duration like 10s or 500ms, at most 30 days");
        return d;
    }

    int port(String key) {
        int p = integer(key);
        if (p < 0 || p > 65535) throw invalid(key, "a port 0..65535 (0 = any free port)");
        return p;
    }

    int positive(String key, int min, int max) {
        int v = integer(key);
        if (v < min || v > max) throw invalid(key, "a number from " + min + " to " + max);
        return v;
    }

    ConfigException invalid(String key, String expected) {
        return new ConfigException("config key " + key + " = '" + get(key) + "' (" + source(key) + ") must be " + expected);
    }

    /** A listener by its key prefix: relay, clients, http, fastagi, audiosocket, ari.outbound. */
    public ListenerConfig listener(String prefix) {
        String bind = get(prefix + ".bind");
        if (bind.isEmpty()) throw invalid(prefix + ".bind", "an address such as 127.0.0.1 or 0.0.0.0");
        return new ListenerConfig(prefix, bool(prefix + ".enabled"), bind, port(prefix + ".port"));
    }

    public ListenerConfig relay() { return listener("relay"); }

    public ListenerConfig clients() { return listener("clients"); }

    public ListenerConfig http() { return listener("http"); }

    public ListenerConfig fastagi() { return listener("fastagi"); }

    public ListenerConfig audiosocket() { return listener("audiosocket"); }

    /** The connection cap of a listener (key prefix: relay, clients, http, fastagi, audiosocket). */
    public int maxConnections(String listener) {
        return positive(listener + ".max-connections", 1, 1_000_000);
    }

    /** How long a new connection may take to say who it is (first line, headers, environment, UUID frame). */
    public Duration handshakeTimeout() { return duration("listeners.handshake-timeout"); }

    /** Connections one other host may have open at once on each client listener. */
    public int maxPerAddress() { return positive("listeners.max-per-address", 1, 1_000_000); }

    /** Hosts allowed to act as Asterisk. */
    public AddressAllowList asteriskAllow() {
        try {
            return AddressAllowList.parse(get("asterisk.allow"));
        } catch (ConfigException e) {
            throw new ConfigException("config key asterisk.allow (" + source("asterisk.allow") + "): " + e.getMessage());
        }
    }

    /** Hosts that may post to the SMS webhook. */
    public AddressAllowList smsAllow() {
        try {
            return AddressAllowList.parse(get("sms.allow"));
        } catch (ConfigException e) {
            throw new ConfigException("config key sms.allow (" + source("sms.allow") + "): " + e.getMessage());
        }
    }

    public ListenerConfig sms() { return listener("sms"); }

    public boolean amiEnabled() { return bool("ami.enabled"); }

    /** Dialed number → token, from token.NUMBER keys (token.* gates every number without its own). */
    public Map<String, String> tokens() {
        Map<String, String> m = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(TOKEN_PREFIX)) m.put(k.substring(TOKEN_PREFIX.length()), v.value());
        });
        return Collections.unmodifiableMap(m);
    }

    /** Dialed number → the media stream app's URL, from stream.NUMBER keys (stream.* serves every number without its own). */
    public Map<String, java.net.URI> streams() {
        Map<String, java.net.URI> m = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(STREAM_PREFIX) && isPerNumber(k)) m.put(k.substring(STREAM_PREFIX.length()), streamUrl(k));
        });
        return Collections.unmodifiableMap(m);
    }

    /** A stream.NUMBER value: a ws:// or wss:// URL with a host, no fragment, no user info. */
    java.net.URI streamUrl(String key) {
        return streamUrlOf(get(key)).orElseThrow(() -> invalid(key, STREAM_URL));
    }

    /** What a media stream app's URL must be. */
    public static final String STREAM_URL = "the app's WebSocket URL, ws:// or wss:// with a host, e.g. wss://bot.example.org/media";

    /** A media stream app's URL ({@link #STREAM_URL}: ws:// or wss:// with a host, no fragment, no user info), if it is one. */
    public static java.util.Optional<java.net.URI> streamUrlOf(String value) {
        try {
            java.net.URI u = new java.net.URI(value);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("ws") && !scheme.equals("wss") || u.getHost() == null || u.getFragment() != null
                    || u.getRawUserInfo() != null || u.getPort() > 65535) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(u);
        } catch (java.net.URISyntaxException e) {
            return java.util.Optional.empty();
        }
    }

    public int clientQueue() { return integer("clients.queue"); }

    public Duration clientOverloadTimeout() { return duration("clients.overload-timeout"); }

    public Duration clientIdlePing() { return duration("clients.idle-ping"); }

    public int clientMaxLine() { return integer("clients.max-line"); }

    public int clientMaxPendingCommands() { return integer("clients.max-pending-commands"); }

    /** The config file, or null when none was given. */
    public Path file() { return file; }

    /** A copy with some keys replaced (tests use it for port 0). */
    public TinyphoneConfig with(Map<String, String> overrides) {
        Map<String, Value> m = new LinkedHashMap<>(values);
        Map<String, Value> tokens = new TreeMap<>();
        for (Map.Entry<String, String> e : overrides.entrySet()) put(m, tokens, e.getKey(), e.getValue(), "override", false);
        m.putAll(tokens);
        derive(m);
        TinyphoneConfig c = new TinyphoneConfig(Collections.unmodifiableMap(m), file);
        ConfigChecks.validate(c);
        return c;
    }

    /** The effective values, one "key=value  # source" line each; secrets are shown as "(set)". */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        int width = values.keySet().stream().mapToInt(String::length).max().orElse(10) + 1;
        for (Map.Entry<String, Value> e : values.entrySet()) {
            String k = e.getKey();
            String v = e.getValue().value();
            if ((k.equals("ami.secret") || k.equals("sms.auth-token") || k.equals("stream.auth-token") || k.equals("stream.bearer-token") || k.endsWith(".password") || k.startsWith(TOKEN_PREFIX)) && !v.isEmpty()) v = "(set)";
            if (k.startsWith(STREAM_PREFIX) && isPerNumber(k) && v.indexOf('?') >= 0) v = v.substring(0, v.indexOf('?')) + "?(set)"; // a token in the query
            String kv = k + "=" + v;
            lines.add(String.format("%-" + (width + 24) + "s # %s", kv, e.getValue().source()));
        }
        return lines;
    }
}
