package org.tinyphone.server.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
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

    /** Every key, in the order of docs/config.md. */
    public static final List<Key> KEYS = List.of(
            new Key("relay.enabled", "true", "Listen for the call relay (bin/tinyphone-agi) and the original hub's relay lines"),
            new Key("relay.bind", "127.0.0.1", "Address the relay listener binds to"),
            new Key("relay.port", "12001", "Relay port (the original hub's AGI port)"),
            new Key("clients.enabled", "true", "Listen for TCP clients (the original hub's dialect and native JSON lines)"),
            new Key("public", "false", "Open the client listeners (12002, 12003) to other hosts: they bind to 0.0.0.0 unless clients.bind/http.bind say otherwise, and access.remote becomes watch (see docs/security.md)"),
            new Key("clients.bind", "127.0.0.1", "Address the TCP client listener binds to (0.0.0.0 when public=true)"),
            new Key("clients.port", "12002", "TCP client port"),
            new Key("http.enabled", "true", "Serve the web page, /tinyphone.js, the WebSocket /ws, /metrics and /health"),
            new Key("http.bind", "127.0.0.1", "Address the HTTP server binds to (0.0.0.0 when public=true)"),
            new Key("http.port", "12003", "HTTP + WebSocket port"),
            new Key("http.static-dir", "", "Serve static files from this directory instead of the built-in page (empty = built-in)"),
            new Key("http.allowed-origins", "", "Web page origins (scheme://host:port, comma-separated, * = any) besides the server's own that may open the WebSocket from a browser"),
            new Key("fastagi.enabled", "true", "Listen for FastAGI: AGI(agi://127.0.0.1:4573/tinyphone,args)"),
            new Key("fastagi.bind", "127.0.0.1", "Address the FastAGI listener binds to"),
            new Key("fastagi.port", "4573", "FastAGI port"),
            new Key("audiosocket.enabled", "true", "Listen for AudioSocket: AudioSocket(<uuid>,127.0.0.1:9092)"),
            new Key("audiosocket.bind", "127.0.0.1", "Address the AudioSocket listener binds to"),
            new Key("audiosocket.port", "9092", "AudioSocket port (Asterisk's own AudioSocket examples use 9092; 12004 is the SMS webhook, as in the original hub)"),
            new Key("sms.enabled", "true", "Take Twilio's incoming-message webhook (POST /incoming) on the SMS port and on the HTTP port; each message becomes an sms event to the clients of its To number"),
            new Key("sms.bind", "127.0.0.1", "Address the SMS webhook listener binds to"),
            new Key("sms.port", "12004", "SMS webhook port (the original hub's sms_port)"),
            new Key("sms.allow", "127.0.0.1,::1", "Hosts that may post to the SMS webhook: addresses or CIDR blocks, comma-separated, * = anyone (a request through a proxy counts only with *)"),
            new Key("sms.auth-token", "", "Twilio's auth token: when set, a webhook request needs Twilio's valid X-Twilio-Signature"),
            new Key("sms.url", "", "The webhook's URL as configured at Twilio, for checking signatures behind a proxy (empty = the URL the request came to)"),
            new Key("sms.response", "", "Text Twilio sends back to each sender (the original hub's sms_response; empty = no reply)"),
            new Key("sms.max-per-minute", "600", "Messages the webhook takes per minute; more are refused with 429 (Twilio retries)"),
            new Key("asterisk.allow", "127.0.0.1,::1", "Hosts allowed to connect to the relay, FastAGI, AudioSocket and outbound ARI listeners: addresses or CIDR blocks, comma-separated, * = anyone"),
            new Key("relay.max-connections", "1000", "Relay connections open at once (one per call of bin/tinyphone-agi); one more is closed at once"),
            new Key("clients.max-connections", "1000", "TCP client connections open at once; one more is closed at once"),
            new Key("http.max-connections", "2000", "HTTP and WebSocket connections open at once; at the limit the server stops accepting until one closes"),
            new Key("fastagi.max-connections", "5000", "FastAGI calls open at once; one more is closed at once (the dialplan goes on)"),
            new Key("audiosocket.max-connections", "5000", "AudioSocket connections open at once; one more is closed at once"),
            new Key("sms.max-connections", "100", "Connections to the SMS webhook port open at once; at the limit the server stops accepting until one closes"),
            new Key("ari.outbound.max-connections", "5000", "Outbound ARI WebSockets open at once (one, or one per call with per_call_config); at the limit the server stops accepting until one closes"),
            new Key("listeners.max-per-address", "100", "Connections one other host may have open at once on each client listener (12002, 12003); this machine is limited by the caps alone"),
            new Key("listeners.handshake-timeout", "10s", "How long a new connection may take to say who it is: its first line (relay, clients), a request's headers (HTTP), the AGI environment (FastAGI, relay tunnel), the UUID frame (AudioSocket); then it is closed"),
            new Key("ami.enabled", "false", "Connect to Asterisk's manager interface (AMI) for AsyncAGI"),
            new Key("ami.host", "127.0.0.1", "AMI host"),
            new Key("ami.port", "5038", "AMI port"),
            new Key("ami.user", "", "AMI user (manager.conf); the same TINYPHONE_AMI_* variables as ./tinyphone ami"),
            new Key("ami.secret", "", "AMI secret"),
            new Key("ami.asyncagi", "true", "Bridge calls that enter AGI(agi:async) to subscribers, when AMI is enabled"),
            new Key("ari.enabled", "false", "Connect to Asterisk's REST Interface (ARI) and bridge the calls that enter Stasis(<ari.app>,args)"),
            new Key("ari.url", "http://127.0.0.1:8088", "Asterisk's HTTP server (http.conf); ARI is under /ari"),
            new Key("ari.user", "", "ARI user (ari.conf, type=user)"),
            new Key("ari.password", "", "That ARI user's password"),
            new Key("ari.app", "tinyphone", "The Stasis application the server serves: Stasis(tinyphone,arg1,arg2) in the dialplan"),
            new Key("ari.audio", "true", "Ask Asterisk for the caller's audio of each ARI call (externalMedia to the AudioSocket listener) so apps get audio_level; needs audiosocket.enabled"),
            new Key("ari.audio-host", "", "Where Asterisk connects for that audio: host or host:port of the AudioSocket listener as Asterisk reaches it (empty = audiosocket.bind and the listener's port; 127.0.0.1 when it binds to every address)"),
            new Key("ari.outbound.enabled", "false", "Listen for Asterisk's outbound ARI WebSocket (ari.conf type=outbound_websocket, Asterisk 22.5+) and bridge the calls of every application it brings"),
            new Key("ari.outbound.bind", "127.0.0.1", "Address the outbound ARI listener binds to"),
            new Key("ari.outbound.port", "8090", "Outbound ARI port (websocket_client.conf uri = ws://127.0.0.1:8090/ari-out)"),
            new Key("ari.outbound.path", "/ari-out", "The path of websocket_client.conf's uri"),
            new Key("ari.outbound.user", "", "The username Asterisk must send (websocket_client.conf username, Basic auth); empty = not checked (asterisk.allow still is)"),
            new Key("ari.outbound.password", "", "The password Asterisk must send (websocket_client.conf password)"),
            new Key("access.local", "full", "What a client on this machine may do without a token: none, watch (subscribe) or full (subscribe and command)"),
            new Key("access.remote", "none", "What a client on another host may do without a token: none, watch or full (watch when public=true)"),
            new Key("access.token-file", "", "Where the server keeps the admin token it makes when other hosts can connect and token.* is not set (empty = ~/.config/tinyphone/admin-token)"),
            new Key("talkback.functions", "", "Dialplan functions apps may write with set_variable, by name, comma-separated (e.g. CALLERID,CDR); none by default"),
            new Key("talkback.sound-dirs", "", "Absolute directories whose sound files apps may play by absolute path, comma-separated; none by default (sound names only)"),
            new Key("clients.queue", "1000", "Events queued per client before it counts as behind (audio levels are then coalesced, latest per call wins)"),
            new Key("clients.overload-timeout", "10s", "A client still behind after this long is disconnected with a reason"),
            new Key("clients.idle-ping", "30s", "A WebSocket client that was sent nothing for this long gets a ping, so a vanished one is found"),
            new Key("clients.max-line", "16384", "Longest message a client may send, in bytes (longer: error reply, line discarded)"),
            new Key("clients.max-pending-commands", "32", "Talk-back commands a client may have waiting at once"),
            new Key("stream.retries", "3", "How often a call's media stream is tried again when its app cannot be reached or fails during the call (0 = never); each failure is reported on the call"),
            new Key("stream.retry-delay", "2s", "Wait before trying a media stream's app again"),
            new Key("stream.connect-timeout", "5s", "How long opening the WebSocket to a media stream's app may take"),
            new Key("stream.queue", "250", "Messages waiting to be sent to a media stream's app (250 = 5 s of audio); more are dropped and counted, so a slow app never slows the call"),
            new Key("stream.play-buffer", "60s", "Audio an app may queue ahead to be played to the caller; what comes beyond it is dropped and counted"),
            new Key("stream.auth-token", "", "A secret the media stream apps share with the server: each WebSocket handshake then carries X-Twilio-Signature, Twilio's HMAC-SHA1 of the stream URL keyed with it, so an app checks it as it checks Twilio's (the secret itself is never sent)"),
            new Key("stream.bearer-token", "", "When set, each media stream's WebSocket handshake carries 'Authorization: Bearer' and this value, for apps that check a token"),
            new Key("stream.allow", "", "Hosts a subscribed app may have a call streamed to with the stream command, comma-separated, or * for any; the hosts of the stream.<number> URLs are allowed too; empty = those only"),
            new Key("stream.max-message", "262144", "Longest message a media stream's app may send, in characters (longer: dropped, counted and logged)"),
            new Key("log.level", "INFO", "Log level of Tinyphone's own loggers (TRACE, DEBUG, INFO, WARN, ERROR)"));

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
        Map<String, Value> values = new LinkedHashMap<>();
        for (Key k : KEYS) values.put(k.name(), new Value(k.defaultValue(), "default"));
        Map<String, Value> tokens = new TreeMap<>();
        if (file != null && OriginalHubConfig.isJson(file)) {
            for (Map.Entry<String, OriginalHubConfig.Setting> e : OriginalHubConfig.read(file).entrySet()) {
                put(values, tokens, e.getKey(), e.getValue().value(), "file " + file + " (" + e.getValue().from() + ")", true);
            }
        } else if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (NoSuchFileException e) {
                throw new ConfigException("config file not found: " + file);
            } catch (IOException | IllegalArgumentException e) {
                throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
            }
            for (String name : new TreeMap<>(Map.copyOf(toStrings(p))).keySet()) {
                put(values, tokens, name, p.getProperty(name).trim(), "file " + file, true);
            }
        }
        checkEnvironment(env);
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
        c.validate();
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

    private static Map<String, String> toStrings(Properties p) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String n : p.stringPropertyNames()) m.put(n, p.getProperty(n));
        return m;
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
    private static boolean isPerNumber(String name) {
        if (BY_NAME.containsKey(name)) return false;
        return name.startsWith(TOKEN_PREFIX) && name.length() > TOKEN_PREFIX.length()
                || name.startsWith(STREAM_PREFIX) && name.length() > STREAM_PREFIX.length()
                && "0123456789+*".indexOf(name.charAt(STREAM_PREFIX.length())) >= 0;
    }

    /**
     * The one wording of every unknown name, wherever it came from: {@code "unknown config key 'http.prot' (command
     * line): did you mean 'http.port'? Every key is listed in docs/config.md and by --print-config."}, or without a
     * close name {@code "unknown config key 'x' (command line). Every key ..."}.
     *
     * @param what  what is unknown, as the message names it, e.g. {@code config key 'x' (file a.properties)}
     * @param quote how the suggested name is quoted ("'" or "")
     * @param where where the known names are listed (a sentence)
     */
    static String unknown(String what, String name, java.util.Collection<String> known, String quote, String where) {
        String close = closest(name, known);
        return "unknown " + what + (close == null ? ". " : ": did you mean " + quote + close + quote + "? ") + where;
    }

    /**
     * Variables named {@code TINYPHONE_*} that are not settings of the server but belong to the rest of Tinyphone;
     * they may be in the same environment (a shell profile, a systemd unit) and are no typo.
     */
    public static final Map<String, String> OTHER_VARIABLES = otherVariables();

    private static Map<String, String> otherVariables() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("TINYPHONE_JAVA_OPTS", "JVM options of the ./tinyphone launcher");
        m.put("TINYPHONE_RELAY", "bin/tinyphone-agi: the server's relay address, host:port");
        m.put("TINYPHONE_RELAY_CONNECT_MS", "bin/tinyphone-agi: how long it tries to connect");
        m.put("TINYPHONE_RELAY_HANGUP_GRACE_MS", "bin/tinyphone-agi: how long it waits for the server after a hangup");
        m.put("TINYPHONE_RELAY_JAVA_OPTS", "bin/tinyphone-agi: its JVM options");
        m.put("TINYPHONE_RELAY_JAR", "bin/tinyphone-agi: the relay jar");
        m.put("TINYPHONE_RELAY_AOT", "bin/tinyphone-agi: 0 turns its AOT cache off");
        m.put("TINYPHONE_JAVA", "bin/tinyphone-agi: the java it runs");
        m.put("TINYPHONE_CACHE_DIR", "bin/tinyphone-agi: where it keeps its java choice and caches");
        m.put("TINYPHONE_AUDIO_FD", "bin/tinyphone-agi: the audio source instead of fd 3");
        return Collections.unmodifiableMap(m);
    }

    /** The environment variable of a token: {@code TINYPHONE_TOKEN_<number>} (or {@code TINYPHONE_TOKEN_*}). */
    private static final String TOKEN_VARIABLE = "TINYPHONE_TOKEN_";
    /** The environment variable of a number's media stream: {@code TINYPHONE_STREAM_<number>}. */
    private static final String STREAM_VARIABLE = "TINYPHONE_STREAM_";

    /**
     * A {@code TINYPHONE_*} variable that is neither a key's, a token's, a stream's nor one of {@link #OTHER_VARIABLES} is a typo,
     * an error as an unknown key in the file or on the command line is.
     */
    private static void checkEnvironment(Map<String, String> env) {
        List<String> known = new ArrayList<>();
        for (Key k : KEYS) known.add(k.envVar());
        known.addAll(OTHER_VARIABLES.keySet());
        for (String name : new java.util.TreeSet<>(env.keySet())) {
            if (!name.startsWith("TINYPHONE_") || known.contains(name)) continue;
            if (name.startsWith(TOKEN_VARIABLE) && name.length() > TOKEN_VARIABLE.length()) continue;
            // a number's stream (TINYPHONE_STREAM_13605162099, _*), as stream.<number> is; TINYPHONE_STREAM_RETRIS is no number
            if (name.startsWith(STREAM_VARIABLE) && isPerNumber(STREAM_PREFIX + name.substring(STREAM_VARIABLE.length()))) continue;
            known.add(TOKEN_VARIABLE + "<number>");
            known.add(STREAM_VARIABLE + "<number>");
            throw new ConfigException(unknown("environment variable " + org.tinyphone.net.LogText.escape(name), name, known, "",
                    "Every setting's variable is listed in docs/config.md and by --print-config; the other "
                            + "TINYPHONE_ variables (launcher, bin/tinyphone-agi) are listed there too."));
        }
    }

    /** The closest of {@code known} to {@code name}, or null when none is close. */
    private static String closest(String name, java.util.Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            // names whose lengths differ by more than the hint's limit cannot be that close: skip the O(n*m) distance
            if (Math.abs(name.length() - k.length()) > 3) continue;
            int d = distance(name, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best != null && bestDistance <= 3 ? best : null;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** The environment variable for a key: TINYPHONE_ + upper case, dots and dashes as underscores. */
    public static String envVarOf(String key) {
        return "TINYPHONE_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private void validate() {
        for (String l : LISTENERS) {
            listener(l);
            maxConnections(l);
        }
        if (handshakeTimeout().toMillis() < 100) throw invalid("listeners.handshake-timeout", "at least 100ms");
        maxPerAddress();
        asteriskAllow();
        smsAllow();
        positive("sms.max-per-minute", 1, 1_000_000);
        String smsUrl = get("sms.url");
        if (!smsUrl.isEmpty() && !smsUrl.matches("https?://[^\\s]+")) {
            throw invalid("sms.url", "the webhook's full URL as configured at Twilio, e.g. https://phone.example.org/incoming");
        }
        port("ami.port");
        bool("ami.enabled");
        bool("ami.asyncagi");
        bool("ari.audio");
        if (!get("ari.url").matches("https?://[^/\\s]+/?(ari/?)?")) {
            throw invalid("ari.url", "Asterisk's HTTP address such as http://127.0.0.1:8088");
        }
        if (!get("ari.app").matches("[A-Za-z0-9_.:-]{1,64}")) throw invalid("ari.app", "a Stasis application name (letters, digits, _ . : -)");
        if (!get("ari.outbound.path").matches("/[A-Za-z0-9_./-]{0,200}")) throw invalid("ari.outbound.path", "a path such as /ari-out");
        if (bool("ari.enabled") && get("ari.user").isEmpty()) {
            throw new ConfigException("ari.enabled is true but ari.user is empty (" + source("ari.user") + ")");
        }
        positive("clients.queue", 10, 1_000_000);
        positive("clients.max-line", 256, 16 * 1024 * 1024);
        positive("clients.max-pending-commands", 1, 10_000);
        duration("clients.overload-timeout");
        if (duration("clients.idle-ping").toMillis() < 100) throw invalid("clients.idle-ping", "at least 100ms");
        String level = get("log.level").toUpperCase(Locale.ROOT);
        if (!List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF").contains(level)) {
            throw invalid("log.level", "one of TRACE, DEBUG, INFO, WARN, ERROR, OFF");
        }
        bool("public");
        for (String k : List.of("access.local", "access.remote")) {
            String v = get(k).toLowerCase(Locale.ROOT);
            if (!List.of("none", "watch", "full").contains(v)) throw invalid(k, "none, watch or full");
        }
        for (String dir : list("talkback.sound-dirs")) {
            if (!dir.startsWith("/")) throw invalid("talkback.sound-dirs", "absolute directories, comma-separated");
        }
        for (String fn : list("talkback.functions")) {
            if (!fn.matches("[A-Za-z][A-Za-z0-9_]{0,31}")) {
                throw invalid("talkback.functions", "dialplan function names such as CALLERID,CDR (no parentheses)");
            }
        }
        for (String origin : list("http.allowed-origins")) {
            if (!origin.equals("*") && !origin.matches("https?://[^/\\s]+")) {
                throw invalid("http.allowed-origins", "origins such as https://screen.example.org:8443 (scheme://host[:port], no path) or *");
            }
        }
        if (bool("ami.enabled") && get("ami.user").isEmpty()) {
            throw new ConfigException("ami.enabled is true but ami.user is empty (" + source("ami.user") + ")");
        }
        for (String name : values.keySet()) {
            if (name.startsWith(TOKEN_PREFIX) && get(name).isEmpty()) {
                throw invalid(name, "a non-empty token");
            }
            if (name.startsWith(STREAM_PREFIX) && isPerNumber(name)) streamUrl(name);
        }
        positive("stream.retries", 0, 1000);
        duration("stream.retry-delay");
        if (duration("stream.connect-timeout").toMillis() < 100) throw invalid("stream.connect-timeout", "at least 100ms");
        positive("stream.queue", 10, 1_000_000);
        if (duration("stream.play-buffer").toMillis() < 1000) throw invalid("stream.play-buffer", "at least 1s");
        positive("stream.max-message", 1024, 64 * 1024 * 1024);
        if (!get("stream.bearer-token").chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            // a header value: no spaces, controls or line breaks (the value, a secret, is not repeated)
            throw new ConfigException("config key stream.bearer-token (" + source("stream.bearer-token")
                    + ") must be printable ASCII without spaces (it is sent as a header)");
        }
    }

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

    /** A duration like "10s", "500ms", "2m" or a plain number of seconds. */
    /** Longest duration any setting takes; beyond it a value is a mistake (and would overflow milliseconds). */
    static final Duration MAX_DURATION = Duration.ofDays(30);

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
        if (d.compareTo(MAX_DURATION) > 0) throw invalid(key, "a duration like 10s or 500ms, at most 30 days");
        return d;
    }

    private int port(String key) {
        int p = integer(key);
        if (p < 0 || p > 65535) throw invalid(key, "a port 0..65535 (0 = any free port)");
        return p;
    }

    private int positive(String key, int min, int max) {
        int v = integer(key);
        if (v < min || v > max) throw invalid(key, "a number from " + min + " to " + max);
        return v;
    }

    private ConfigException invalid(String key, String expected) {
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
    private java.net.URI streamUrl(String key) {
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
        c.validate();
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
