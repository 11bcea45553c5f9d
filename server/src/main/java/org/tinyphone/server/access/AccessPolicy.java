package org.tinyphone.server.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.tinyphone.net.WrongSecretLimiter;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.bridge.Numbers;

/**
 * Who may watch and command which calls: the one place the rules live, used by every client dialect (original TCP,
 * native TCP, WebSocket, socket.io). A client holds, per number it asks for, a {@link Level}:
 * <ol>
 *   <li>the admin token ({@code token.*}, or the one the server made, see {@link AdminToken}) gives {@code FULL}
 *       on every number and on {@code "*"};</li>
 *   <li>a number with a token of its own ({@code token.<number>}) needs that token (then {@code FULL}), from anyone;</li>
 *   <li>any other number gives what a client without a token may do: {@code access.local} for clients on this
 *       machine (default {@code full}), {@code access.remote} for clients on other hosts (default {@code none}, or
 *       {@code watch} with {@code public=true});</li>
 *   <li>{@code "*"} (every number) without the admin token needs {@code FULL} anonymous access and no number with a
 *       token of its own (it would see that number's calls).</li>
 * </ol>
 * {@code WATCH} is subscribing (events); {@code FULL} adds talk-back commands. Numbers are compared in their
 * {@link Numbers#normalize normal form}; tokens in constant time.
 */
public final class AccessPolicy {

    /** What a client may do on a number. */
    public enum Level {
        NONE, WATCH, FULL;

        /** Parses a config value: none, watch or full. */
        public static Level parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "none" -> NONE;
                case "watch" -> WATCH;
                case "full" -> FULL;
                default -> throw new IllegalArgumentException("expected none, watch or full: '" + s + "'");
            };
        }

        public boolean atLeast(Level other) { return compareTo(other) >= 0; }
    }

    /** The level a client gets, and when it is less than {@code FULL}, why (for the error it is sent). */
    public record Grant(Level level, String why) {
        public boolean allows(Level wanted) { return level.atLeast(wanted); }
    }

    private final Map<String, String> numberTokens; // normalised number -> token
    private final String adminToken;              // null: none
    private final Level local;
    private final Level remote;
    private final WrongSecretLimiter wrongTokens = new WrongSecretLimiter();

    /**
     * @param numberTokens number → token (the {@code token.<number>} keys; a {@code "*"} key is the admin token)
     * @param adminToken   the admin token when not among {@code numberTokens} (made by the server), or null
     * @param local        what a client on this machine may do without a token
     * @param remote       what a client on another host may do without a token
     */
    public AccessPolicy(Map<String, String> numberTokens, String adminToken, Level local, Level remote) {
        Map<String, String> m = new LinkedHashMap<>();
        String admin = adminToken;
        for (Map.Entry<String, String> e : numberTokens.entrySet()) {
            if (Bridge.ALL_NUMBERS.equals(e.getKey().trim())) admin = e.getValue();
            else m.put(Numbers.normalize(e.getKey()), e.getValue());
        }
        this.numberTokens = Map.copyOf(m);
        this.adminToken = admin == null || admin.isEmpty() ? null : admin;
        this.local = local;
        this.remote = remote;
    }

    /** No tokens; everyone may do everything (tests of other parts). */
    public static AccessPolicy open() {
        return new AccessPolicy(Map.of(), null, Level.FULL, Level.FULL);
    }

    /**
     * The level a client at {@code peer} gets on {@code number} ({@code "*"} = every number) with {@code token} (null
     * when it gave none). An address that gave {@value WrongSecretLimiter#MAX_FAILURES} wrong tokens within a minute is
     * refused every token for the rest of it, so tokens cannot be guessed.
     */
    public Grant grant(String number, String token, Peer peer) {
        if (token != null && !wrongTokens.mayTry(peer.address())) {
            return new Grant(Level.NONE, "too many wrong tokens from this address; try again in a minute");
        }
        Grant g = grant(number, token, peer.local());
        if (token != null && g.level() == Level.NONE && g.why() != null && g.why().startsWith("wrong token")) {
            wrongTokens.failed(peer.address());
        }
        return g;
    }

    /**
     * The level a client gets on {@code number} ({@code "*"} = every number) with {@code token} (null when it gave
     * none), connecting from this machine ({@code fromLocal}) or not; the rules alone, no guessing limit.
     */
    public Grant grant(String number, String token, boolean fromLocal) {
        if (token != null && matches(adminToken, token)) return new Grant(Level.FULL, null);
        Level anonymous = fromLocal ? local : remote;
        String key = fromLocal ? "access.local" : "access.remote";
        if (Bridge.ALL_NUMBERS.equals(number)) {
            if (token != null) return new Grant(Level.NONE, "wrong token for every number (\"*\" takes the admin token)");
            if (anonymous == Level.FULL && numberTokens.isEmpty()) return new Grant(Level.FULL, null);
            return new Grant(Level.NONE, "watching every number (\"*\") needs the admin token (token.*)");
        }
        String n = Numbers.normalize(number);
        String own = numberTokens.get(n);
        if (own != null) {
            if (token == null) return new Grant(Level.NONE, "number " + n + " needs a token");
            return matches(own, token) ? new Grant(Level.FULL, null)
                    : new Grant(Level.NONE, "wrong token for number " + n);
        }
        if (token != null) return new Grant(Level.NONE, "wrong token for number " + n);
        return switch (anonymous) {
            case FULL -> new Grant(Level.FULL, null);
            case WATCH -> new Grant(Level.WATCH, "commands from " + (fromLocal ? "this machine" : "other hosts")
                    + " need a token (the number's token.<number> or the admin token); " + key + " is watch");
            case NONE -> new Grant(Level.NONE, (fromLocal ? "clients on this machine" : "clients on other hosts")
                    + " need a token to watch " + n + " (the number's token.<number> or the admin token)"
                    + (fromLocal ? "" : "; the operator may let them watch without one with access.remote=watch"));
        };
    }

    /**
     * Whether the original dialect's client id (which may be a token) lets a client watch {@code number}. A wrong
     * client id for a number with a token of its own counts as a wrong token.
     */
    public boolean canWatchWithClientId(String number, String clientId, Peer peer) {
        boolean own = numberTokens.containsKey(Numbers.normalize(number));
        if (own || matches(adminToken, clientId)) return grant(number, clientId, peer).allows(Level.WATCH);
        // an ordinary client id is not a token: judge the client as one without a token
        return grant(number, null, peer.local()).allows(Level.WATCH);
    }

    /** Whether some token guards {@code number} (its own), so its client id must never be logged. */
    public boolean hasOwnToken(String number) {
        return numberTokens.containsKey(Numbers.normalize(number));
    }

    /** Whether {@code token} is a token at all (the admin token or some number's), so it is never logged. */
    public boolean isToken(String token) {
        if (token == null) return false;
        if (matches(adminToken, token)) return true;
        for (String t : numberTokens.values()) if (matches(t, token)) return true;
        return false;
    }

    public Level local() { return local; }

    public Level remote() { return remote; }

    private static boolean matches(String expected, String given) {
        return expected != null && given != null
                && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "access local=" + local.name().toLowerCase(Locale.ROOT) + " remote=" + remote.name().toLowerCase(Locale.ROOT)
                + ", " + numberTokens.size() + " number token(s), admin token " + (adminToken == null ? "none" : "set");
    }
}
