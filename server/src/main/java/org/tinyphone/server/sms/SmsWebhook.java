package org.tinyphone.server.sms;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.LogLimiter;
import org.tinyphone.net.LogText;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.bridge.CallEvent;
import org.tinyphone.server.bridge.Numbers;
import org.tinyphone.server.config.AddressAllowList;

/**
 * Twilio's incoming-message webhook, as the original hub took it: {@code POST /incoming} with a form body
 * ({@code From}, {@code To}, {@code Body}, {@code MessageSid}, … as Twilio sends them) becomes an {@code sms} event to
 * every client of the number {@code To} ({@link Bridge#sms}), and Twilio gets TwiML back: a reply message when
 * {@code sms.response} is set, else an empty {@code <Response/>}. No I/O: the HTTP servers (12004 and 12003) hand it
 * each request.
 *
 * <p>Who may post: a peer in {@code sms.allow} (default this machine; a request that came through a proxy, with a
 * {@code Forwarded}/{@code X-Forwarded-For}/{@code X-Real-IP} header, only when the list is {@code *}); never a web
 * browser (a request with an {@code Origin} or {@code Sec-Fetch-*} header: a page must not post fake messages through
 * a visitor's browser); and, when {@code sms.auth-token} is set, only with Twilio's valid {@code X-Twilio-Signature}.
 * Bounded: bodies over {@value #MAX_BODY} bytes are refused (413), at most {@code sms.max-per-minute} messages are
 * taken per minute (then 429). Outside text is escaped in the log, and the message text is never logged.
 */
public final class SmsWebhook {
    private static final Logger log = LoggerFactory.getLogger(SmsWebhook.class);
    /** The webhook's path. */
    public static final String PATH = "/incoming";
    /** Largest form body taken, in bytes (a Twilio message is at most 1600 characters, plus its other fields). */
    public static final int MAX_BODY = 64 * 1024;
    /** Most form fields taken (Twilio sends about 20, plus 2 per media attachment, at most 10 of them). */
    static final int MAX_FIELDS = 100;
    private static final String TWIML = "text/xml; charset=utf-8";
    private static final LogLimiter REFUSED = new LogLimiter(5, Duration.ofSeconds(10));

    /**
     * The webhook's settings.
     *
     * @param response     the reply text Twilio sends back to the sender ({@code sms.response}; empty: none)
     * @param authToken    Twilio's auth token for checking signatures ({@code sms.auth-token}; empty: not checked)
     * @param url          the webhook's URL as configured at Twilio ({@code sms.url}; empty: the request's own)
     * @param allow        who may post ({@code sms.allow})
     * @param maxPerMinute messages taken per minute ({@code sms.max-per-minute})
     */
    public record Settings(String response, String authToken, String url, AddressAllowList allow, int maxPerMinute) {
        public Settings {
            response = Objects.requireNonNullElse(response, "");
            authToken = Objects.requireNonNullElse(authToken, "");
            url = Objects.requireNonNullElse(url, "");
            Objects.requireNonNull(allow, "allow");
            if (maxPerMinute < 1) throw new IllegalArgumentException("maxPerMinute must be at least 1");
        }
    }

    /**
     * One HTTP request as the webhook sees it.
     *
     * @param method  the HTTP method
     * @param target  the path and query as requested ({@code /incoming?x=1})
     * @param headers a header by name (case-insensitive), or null
     * @param peer    the peer's address (null if unknown)
     * @param secure  whether it came over TLS
     * @param body    the body, at most {@link #MAX_BODY} bytes (a longer one is refused before it gets here)
     */
    public record Request(String method, String target, Function<String, String> headers, InetAddress peer,
                          boolean secure, byte[] body) {}

    /** What to answer. */
    public record Reply(int status, String contentType, String body) {}

    private final Bridge bridge;
    private final Settings settings;
    private final TwilioSignature signature;
    private final RateLimit rate;
    private final Map<String, Counter> outcomes = new LinkedHashMap<>();

    public SmsWebhook(Bridge bridge, Settings settings) {
        this(bridge, settings, System::nanoTime);
    }

    SmsWebhook(Bridge bridge, Settings settings, LongSupplier clock) {
        this.bridge = Objects.requireNonNull(bridge, "bridge");
        this.settings = settings;
        this.signature = settings.authToken().isEmpty() ? null : new TwilioSignature(settings.authToken());
        this.rate = new RateLimit(settings.maxPerMinute(), clock);
        MeterRegistry registry = bridge.registry();
        for (String r : List.of("delivered", "refused", "invalid", "limited")) {
            outcomes.put(r, Counter.builder("tinyphone.sms.webhook").tag("result", r)
                    .description("Requests to the SMS webhook by outcome").register(registry));
        }
    }

    public Settings settings() { return settings; }

    /** Answers one request to {@link #PATH}. */
    public Reply handle(Request r) {
        if (!"POST".equals(r.method())) return invalid(r, 405, "the SMS webhook takes POST only (Twilio's default)");
        if (r.headers().apply("Origin") != null || r.headers().apply("Sec-Fetch-Site") != null
                || r.headers().apply("Sec-Fetch-Mode") != null) {
            return refused(r, "a web browser may not post text messages");
        }
        boolean forwarded = r.headers().apply("Forwarded") != null || r.headers().apply("X-Forwarded-For") != null
                || r.headers().apply("X-Real-IP") != null;
        if (!settings.allow().allowsAnyone() && (forwarded || r.peer() == null || !settings.allow().allows(r.peer()))) {
            return refused(r, (forwarded ? "a request through a proxy" : "this host") + " is not in sms.allow");
        }
        String type = r.headers().apply("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            return invalid(r, 415, "the body must be application/x-www-form-urlencoded, as Twilio sends it");
        }
        List<Map.Entry<String, String>> form;
        try {
            form = parseForm(new String(r.body(), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return invalid(r, 400, "malformed form body: " + e.getMessage());
        }
        if (signature != null && !signature.valid(r.headers().apply("X-Twilio-Signature"), urls(r), form)) {
            return refused(r, "no valid X-Twilio-Signature (sms.auth-token is set)");
        }
        String to = field(form, "To");
        String from = field(form, "From");
        if (to == null || from == null) return invalid(r, 400, "missing field " + (to == null ? "To" : "From"));
        String number = Numbers.normalize(to);
        if (Numbers.problem(number) != null || Bridge.ALL_NUMBERS.equals(number)) {
            return invalid(r, 400, "To is not a number: " + LogText.escape(to));
        }
        if (from.length() > 256) return invalid(r, 400, "From is longer than 256 characters");
        if (!rate.tryTake()) {
            outcomes.get("limited").increment();
            REFUSED.warn(log, "sms limited", "sms webhook: more than {} messages this minute (sms.max-per-minute); "
                    + "refused one from {}", settings.maxPerMinute(), LogText.escape(peer(r)));
            return new Reply(429, "text/plain; charset=utf-8", "too many messages: at most " + settings.maxPerMinute()
                    + " a minute (sms.max-per-minute)\n");
        }
        CallEvent.Sms sms = bridge.sms(number, from, Objects.requireNonNullElse(field(form, "Body"), ""));
        outcomes.get("delivered").increment();
        log.debug("sms {}: Twilio message {}", sms.callId(), LogText.escape(field(form, "MessageSid")));
        return new Reply(200, TWIML, twiml(settings.response()));
    }

    /** TwiML for the reply: the text in a {@code <Message>}, or an empty response. */
    static String twiml(String reply) {
        String head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
        if (reply.isEmpty()) return head + "<Response/>";
        return head + "<Response><Message>" + xml(reply) + "</Message></Response>";
    }

    private static String xml(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&apos;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /** {@code a=1&b=x+y} → (a, 1), (b, x y), in order; URL-decoded as UTF-8. */
    static List<Map.Entry<String, String>> parseForm(String body) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        if (body.isEmpty()) return out;
        for (String pair : body.split("&", -1)) {
            if (pair.isEmpty()) continue;
            if (out.size() >= MAX_FIELDS) throw new IllegalArgumentException("more than " + MAX_FIELDS + " fields");
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.add(Map.entry(name, value));
        }
        return out;
    }

    private static String field(List<Map.Entry<String, String>> form, String name) {
        for (Map.Entry<String, String> e : form) if (e.getKey().equals(name)) return e.getValue();
        return null;
    }

    /** The URLs the signature may have been made for: sms.url, else the request's own, with and without its port. */
    List<String> urls(Request r) {
        List<String> urls = new ArrayList<>();
        String base = settings.url();
        if (base.isEmpty()) {
            String host = r.headers().apply("Host");
            if (host == null) return urls;
            base = (r.secure() ? "https://" : "http://") + host.trim() + r.target();
        }
        urls.add(base);
        try {
            URI u = new URI(base);
            String rest = (u.getRawPath() == null ? "" : u.getRawPath()) + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
            int port = u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
            String withPort = u.getScheme() + "://" + u.getHost() + ":" + port + rest;
            String without = u.getScheme() + "://" + u.getHost() + rest;
            for (String v : List.of(withPort, without)) if (!urls.contains(v)) urls.add(v);
        } catch (Exception e) {
            // a Host we cannot parse: only the URL as it came
        }
        return urls;
    }

    private Reply refused(Request r, String why) {
        outcomes.get("refused").increment();
        REFUSED.warn(log, "sms refused", "sms webhook: request from {} refused: {}", LogText.escape(peer(r)), why);
        return new Reply(403, "text/plain; charset=utf-8", "forbidden: " + why + "\n");
    }

    private Reply invalid(Request r, int status, String why) {
        outcomes.get("invalid").increment();
        REFUSED.warn(log, "sms invalid", "sms webhook: bad request from {}: {}", LogText.escape(peer(r)), LogText.escape(why));
        return new Reply(status, "text/plain; charset=utf-8", why + "\n");
    }

    private static String peer(Request r) {
        return r.peer() == null ? "unknown" : r.peer().getHostAddress();
    }

    /** At most {@code perMinute} takes per minute, refilled smoothly (a token bucket). */
    static final class RateLimit {
        private final int capacity;
        private final long nanosPerToken;
        private final LongSupplier clock;
        private double tokens;
        private long last;

        RateLimit(int perMinute, LongSupplier clock) {
            this.capacity = perMinute;
            this.nanosPerToken = Duration.ofMinutes(1).toNanos() / perMinute;
            this.clock = clock;
            this.tokens = perMinute;
            this.last = clock.getAsLong();
        }

        synchronized boolean tryTake() {
            long now = clock.getAsLong();
            tokens = Math.min(capacity, tokens + (double) (now - last) / nanosPerToken);
            last = now;
            if (tokens < 1) return false;
            tokens -= 1;
            return true;
        }
    }
}
