package org.tinyphone.ari;

import static org.tinyphone.ari.AriAgiArgs.arg;
import static org.tinyphone.ari.AriAgiArgs.found;
import static org.tinyphone.ari.AriAgiArgs.offsetMs;
import static org.tinyphone.ari.AriAgiArgs.unsupported;
import static org.tinyphone.ari.AriAgiArgs.usage;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.agi.AbstractAgiChannel;
import org.tinyphone.agi.AgiCommand;
import org.tinyphone.agi.AgiEnvironment;
import org.tinyphone.agi.AgiException;
import org.tinyphone.agi.AgiHangupException;
import org.tinyphone.agi.AgiReply;
import org.tinyphone.net.LogLimiter;
import org.tinyphone.net.LogText;

/**
 * An AGI session carried out over ARI: {@link #exchange} reads each AGI command line (the typed methods of
 * {@link AbstractAgiChannel} build them), does the REST work on the call's channel, waits for the events that end it
 * (PlaybackFinished, a key, RecordingFinished, the hangup) and answers with the reply Asterisk's AGI would have
 * given. So every typed method, the result types and the hangup rules (one {@code AgiHangupException}, then 511 for
 * commands that need the channel) are the same code as over FastAGI. A command with no ARI equivalent throws
 * {@link AgiException} naming it. See {@code docs/agi-commands.md} for how each command runs.
 *
 * <p>Keys: during a prompt with escape digits, an escape key stops the playback and is the result (other keys are
 * ignored, as Asterisk's prompts do); keys pressed between commands are kept, in order, for the next command that
 * reads keys. One thread only (the call's): no locks. This class is the command table; the call's events, keys and
 * prompts are {@link AriAgiCall}'s, EXEC and RECORD FILE {@link AriAgiApps}'s.
 */
final class AriAgiChannel extends AbstractAgiChannel {
    private static final Logger log = LoggerFactory.getLogger(AriAgiChannel.class);
    /** A failing Asterisk fails every call's commands: a few lines a window, then a count. */
    private static final LogLimiter LIMITER = new LogLimiter(10, Duration.ofSeconds(10));
    private static final String DEAD = "511 Command Not Permitted on a dead channel or intercept routine";
    /** Commands Asterisk still runs after a hangup (res_agi.c, dead = 1). */
    private static final Set<String> DEAD_SAFE = Set.of("ASYNCAGI BREAK", "DATABASE DEL", "DATABASE DELTREE", "DATABASE GET",
            "DATABASE PUT", "EXEC", "GET FULL VARIABLE", "GET VARIABLE", "NOOP", "SET VARIABLE", "VERBOSE");
    /** Every AGI command of Asterisk 22, longest first so "GET FULL VARIABLE" wins over "GET VARIABLE". */
    private static final List<String> COMMANDS = List.of("SPEECH DEACTIVATE GRAMMAR", "SPEECH ACTIVATE GRAMMAR",
            "SPEECH UNLOAD GRAMMAR", "CONTROL STREAM FILE", "SPEECH LOAD GRAMMAR", "GET FULL VARIABLE", "DATABASE DELTREE",
            "SPEECH RECOGNIZE", "SPEECH DESTROY", "ASYNCAGI BREAK", "CHANNEL STATUS", "SET AUTOHANGUP", "SPEECH CREATE",
            "DATABASE DEL", "DATABASE GET", "DATABASE PUT", "GET VARIABLE", "RECEIVE CHAR", "RECEIVE TEXT", "SAY DATETIME",
            "SAY PHONETIC", "SET CALLERID", "SET EXTENSION", "SET PRIORITY", "SET VARIABLE", "WAIT FOR DIGIT", "RECORD FILE",
            "SET CONTEXT", "STREAM FILE", "SPEECH SET", "GET OPTION", "SAY DIGITS", "SAY NUMBER", "SEND IMAGE", "SAY ALPHA",
            "SEND TEXT", "SET MUSIC", "GET DATA", "SAY DATE", "SAY TIME", "TDD MODE", "VERBOSE", "ANSWER", "HANGUP",
            "GOSUB", "EXEC", "NOOP");

    private final AriAgiCall c;
    private final AriAgiApps apps;
    private final StasisCall call;
    private final Ari ari;
    private final String id;
    private String context;        // SET CONTEXT/EXTENSION/PRIORITY: where the dialplan goes on when the app ends
    private String extension;
    private String priority;
    private int tries;             // how many times the command's read was sent (for its WARN)

    AriAgiChannel(StasisCall call, AgiEnvironment environment) {
        super(environment);
        this.c = new AriAgiCall(call, this::noticeHangup);
        this.apps = new AriAgiApps(c);
        this.call = call;
        this.ari = call.ari();
        this.id = call.id();
    }

    // ------------------------------------------------------------------------------------------ the one transport method

    @Override
    protected AgiReply exchange(String line) {
        c.drain();
        List<String> words = AgiCommand.parse(line);
        String name = commandName(words);
        if (name == null) return AgiReply.parse("510 Invalid or unknown command");
        List<String> a = words.subList(name.split(" ").length, words.size());
        if (c.gone() && !DEAD_SAFE.contains(name)) return AgiReply.parse(DEAD);
        tries = 1;
        try {
            return AgiReply.parse(run(name, a, line));
        } catch (AriHttpException e) {
            boolean ours = e.path().equals("channels/" + UrlCodec.segment(id)) || e.path().startsWith("channels/" + UrlCodec.segment(id) + "/");
            if (ours && (e.status() == 404 && e.asteriskMessage().toLowerCase(Locale.ROOT).contains("channel")
                    || e.status() == 409 && e.asteriskMessage().contains("not in Stasis"))) {
                c.lost("Asterisk: " + e.asteriskMessage());   // it hung up (or left Stasis) before our request
                return AgiReply.parse(DEAD_SAFE.contains(name) ? "200 result=0" : DEAD);
            }
            if (e.status() >= 500) return failed(name, line, e);
            throw new AgiException("'" + line + "' over ARI: Asterisk answered " + e.getMessage(), e);
        } catch (AriConnectionException e) {
            if (Thread.currentThread().isInterrupted() || call.connectionEndedForGood()) {
                c.cut();   // the client is closing, or the call's own connection ended: nothing will come for it again
                throw new AgiHangupException("'" + line + "' over ARI: " + e.getMessage(), e);
            }
            return failed(name, line, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            c.cut();
            throw new AgiHangupException("'" + line + "' over ARI: interrupted (the ARI client is closing)", e);
        }
    }

    /**
     * A request that Asterisk failed (5xx) or did not answer (late, a lost connection) while the channel may well be
     * up: the command gets AGI's failure answer, as Asterisk's AGI answers a command that failed, and the call goes on;
     * it ends when Asterisk says the channel is gone (404, StasisEnd, ChannelDestroyed). Said in a WARN.
     */
    private AgiReply failed(String name, String line, AriException e) {
        String reply = switch (name) {
            case "STREAM FILE", "CONTROL STREAM FILE", "GET OPTION" -> "200 result=-1 endpos=0";
            case "RECORD FILE" -> "200 result=-1 (writefile) endpos=0";
            case "GET VARIABLE", "GET FULL VARIABLE", "DATABASE GET", "DATABASE PUT", "DATABASE DEL" -> "200 result=0";
            default -> "200 result=-1";
        };
        LIMITER.warn(log, "AGI over ARI: a command failed", "AGI over ARI: call {} ({}): '{}' failed{}: {}; the app gets '{}', the call goes on",
                LogText.escape(id), LogText.escape(call.channel().name() == null ? "" : call.channel().name()), LogText.escape(line, 200),
                tries > 1 ? " (tried " + tries + " times)" : "", e.getMessage(), reply);   // the message is escaped (AriException)
        return AgiReply.parse(reply);
    }

    /** A read safe to repeat: tried again while it fails in a way that may pass ({@link RetriedRead}); the last failure is thrown. */
    private <T> T read(java.util.function.Function<Ari, T> read) {
        RetriedRead.Outcome<T> o = RetriedRead.read(call, read);
        tries = o.attempts();
        if (o.failed()) throw o.failure();
        return o.value();
    }

    private static String commandName(List<String> words) {
        if (words.isEmpty()) return null;
        String upper = String.join(" ", words.subList(0, Math.min(4, words.size()))).toUpperCase(Locale.ROOT);
        for (String c : COMMANDS) {
            if (upper.equals(c) || upper.startsWith(c + " ")) return c;
        }
        return null;
    }

    private String run(String name, List<String> a, String line) throws InterruptedException {
        switch (name) {
            case "ANSWER" -> {
                ari.channels().answer(id);
                return "200 result=0";
            }
            case "HANGUP" -> {
                if (!a.isEmpty() && !a.get(0).equals(call.channel().name())) {
                    Optional<Channel> other = byName(a.get(0));
                    if (other.isEmpty()) return "200 result=-1";
                    ari.channels().hangup(other.get().id());
                    return "200 result=1";
                }
                c.hangup();
                return "200 result=1";
            }
            case "CHANNEL STATUS" -> {
                if (!a.isEmpty() && !a.get(0).equals(call.channel().name())) {
                    return "200 result=" + byName(a.get(0)).map(Channel::stateCode).orElse(-1);
                }
                return "200 result=" + read(r -> r.channels().get(id)).stateCode();
            }
            case "STREAM FILE" -> {
                if (a.size() < 2) return usage(name);
                AriAgiCall.Prompt p = c.prompt(List.of("sound:" + a.get(0)), a.get(1), offsetMs(a, 2, true), null, null);
                return "200 result=" + p.code() + " endpos=" + p.endpos();
            }
            case "CONTROL STREAM FILE" -> {
                if (a.size() < 2) return usage(name);
                int skip = a.size() > 2 && !a.get(2).isEmpty() ? Integer.parseInt(a.get(2)) : 3000;
                AriAgiCall.Controls k = new AriAgiCall.Controls(arg(a, 3, "#"), arg(a, 4, "*"), arg(a, 5, ""));
                AriAgiCall.Prompt p = c.prompt(List.of("sound:" + a.get(0)), a.get(1), offsetMs(a, 6, false), skip, k);
                return "200 result=" + p.code() + " endpos=" + p.endpos();
            }
            case "GET OPTION" -> {
                if (a.size() < 2) return usage(name);
                String escape = a.get(1);
                AriAgiCall.Prompt p = c.prompt(List.of("sound:" + a.get(0)), escape, null, null, null);
                if (p.code() != 0) return "200 result=" + p.code() + " endpos=" + p.endpos();
                int timeout = a.size() > 2 ? Integer.parseInt(a.get(2)) : AriAgiCall.NEXT_KEY_MS;
                int key = c.waitKey(timeout < 0 ? AriAgiCall.NEXT_KEY_MS : timeout);
                return "200 result=" + (key > 0 && escape.indexOf(key) >= 0 ? key : key < 0 ? -1 : 0) + " endpos=" + p.endpos();
            }
            case "WAIT FOR DIGIT" -> {
                if (a.isEmpty()) return usage(name);
                return "200 result=" + c.waitKey(Integer.parseInt(a.get(0)));
            }
            case "GET DATA" -> {
                if (a.isEmpty()) return usage(name);
                return c.readDigits(a.get(0), a.size() > 1 ? Integer.parseInt(a.get(1)) : 0, a.size() > 2 ? Integer.parseInt(a.get(2)) : 1024);
            }
            case "SAY NUMBER" -> {
                if (a.size() < 2 || !a.get(0).matches("-?\\d{1,10}")) return usage(name);
                if (a.size() > 2 && !a.get(2).isEmpty()) throw unsupported(line, "ARI's number: media has no gender");
                return c.said(List.of("number:" + a.get(0)), a.get(1));
            }
            case "SAY DIGITS" -> {
                if (a.size() < 2 || !a.get(0).matches("\\d+")) return usage(name);
                return c.said(List.of("digits:" + a.get(0)), a.get(1));
            }
            case "SAY ALPHA" -> {
                if (a.size() < 2) return usage(name);
                return c.said(List.of("characters:" + a.get(0)), a.get(1));
            }
            case "SAY DATE", "SAY TIME", "SAY DATETIME" -> {
                if (a.size() < 2 || !a.get(0).matches("-?\\d+")) return usage(name);
                AriAgiArgs.english(call.channel().language(), line);
                ZoneId zone = a.size() > 3 && !a.get(3).isEmpty() ? AriAgiArgs.zone(a.get(3), line) : ZoneId.systemDefault();
                ZonedDateTime t = Instant.ofEpochSecond(Long.parseLong(a.get(0))).atZone(zone);
                List<String> media;
                try {
                    media = switch (name) {
                        case "SAY DATE" -> AriSay.date(t);
                        case "SAY TIME" -> AriSay.time(t);
                        default -> AriSay.format(t, a.size() > 2 && !a.get(2).isEmpty() ? a.get(2) : "ABdY 'digits/at' IMp");
                    };
                } catch (IllegalArgumentException e) {
                    throw unsupported(line, e.getMessage());
                }
                return c.said(media, a.get(1));
            }
            case "GET VARIABLE" -> {
                if (a.size() != 1) return usage(name);
                if (c.gone()) return "200 result=0";   // no channel left to read
                return found(read(r -> r.channels().getVariable(id, a.get(0))));
            }
            case "GET FULL VARIABLE" -> {
                if (a.isEmpty()) return usage(name);
                String target = id;
                if (a.size() > 1) {
                    Optional<Channel> other = byName(a.get(1));
                    if (other.isEmpty()) return "200 result=0";
                    target = other.get().id();
                } else if (c.gone()) {
                    return "200 result=0";
                }
                String of = target;
                return "200 result=1 (" + read(r -> AriAgiArgs.expand(r, a.get(0), of, line)) + ")";
            }
            case "SET VARIABLE" -> {
                if (a.size() != 2) return usage(name);
                if (!c.gone()) ari.channels().setVariable(id, a.get(0), a.get(1));
                return "200 result=1";
            }
            case "SET CALLERID" -> {
                if (a.isEmpty()) return usage(name);
                ari.channels().setVariable(id, "CALLERID(all)", a.get(0));
                return "200 result=1";
            }
            case "SET AUTOHANGUP" -> {
                if (a.isEmpty()) return usage(name);
                ari.channels().setVariable(id, "TIMEOUT(absolute)", a.get(0));
                return "200 result=0";
            }
            case "SET MUSIC" -> {
                if (a.isEmpty()) return usage(name);
                if (a.get(0).equalsIgnoreCase("on")) ari.channels().startMoh(id, a.size() > 1 ? a.get(1) : null);
                else ari.channels().stopMoh(id);
                return "200 result=0";
            }
            case "SET CONTEXT" -> { if (a.isEmpty()) return usage(name); context = a.get(0); return "200 result=0"; }
            case "SET EXTENSION" -> { if (a.isEmpty()) return usage(name); extension = a.get(0); return "200 result=0"; }
            case "SET PRIORITY" -> { if (a.isEmpty()) return usage(name); priority = a.get(0); return "200 result=0"; }
            case "VERBOSE" -> {
                if (a.isEmpty()) return usage(name);
                log.info("AGI over ARI {} ({}): {}", LogText.escape(call.channel().name()), call.app(), LogText.escape(a.get(0), 2000));
                return "200 result=1";
            }
            case "NOOP", "ASYNCAGI BREAK" -> { return "200 result=0"; }
            case "EXEC" -> {
                if (a.isEmpty()) return usage(name);
                return apps.runApp(a.get(0), a.size() > 1 ? a.get(1) : "", line);
            }
            case "RECORD FILE" -> {
                if (a.size() < 4) return usage(name);
                return apps.recordFile(a);
            }
            case "DATABASE GET" -> {
                if (a.size() != 2) return usage(name);
                return found(read(r -> r.asterisk().getGlobalVariable("DB(" + a.get(0) + "/" + a.get(1) + ")")).filter(v -> !v.isEmpty()));
            }
            case "DATABASE PUT" -> {
                if (a.size() != 3) return usage(name);
                ari.asterisk().setGlobalVariable("DB(" + a.get(0) + "/" + a.get(1) + ")", a.get(2));
                return "200 result=1";
            }
            case "DATABASE DEL" -> {
                if (a.size() != 2) return usage(name);
                boolean had = ari.asterisk().getGlobalVariable("DB_DELETE(" + a.get(0) + "/" + a.get(1) + ")").filter(v -> !v.isEmpty()).isPresent();
                return "200 result=" + (had ? 1 : 0);
            }
            default -> throw unsupported(line, switch (name) {
                case "SAY PHONETIC" -> "ARI has no phonetic media";
                case "RECEIVE CHAR", "RECEIVE TEXT", "SEND TEXT", "SEND IMAGE", "TDD MODE" -> "ARI has no text, image or TDD on a channel";
                case "GOSUB" -> "ARI cannot run a dialplan subroutine and come back to Stasis";
                case "DATABASE DELTREE" -> "ARI reaches the AstDB only through DB() and DB_DELETE(), which have no tree form";
                default -> "ARI has no speech resource";
            });
        }
    }

    private Optional<Channel> byName(String name) {
        return read(r -> r.channels().list()).stream().filter(ch -> name.equals(ch.name())).findFirst();
    }

    // ------------------------------------------------------------------------------------------ the end of the app

    /** After the app: unless the channel is gone, the dialplan goes on (where SET CONTEXT/EXTENSION/PRIORITY said). */
    void finish() {
        c.drain();
        if (c.gone() || c.hungUpByUs() || isHungUp() || call.left() || !call.inStasis()) return;
        try {
            if (context == null && extension == null && priority == null) {
                call.continueInDialplan();
            } else {
                Long prio = priority != null && priority.matches("\\d+") ? Long.valueOf(priority) : null;
                String label = priority != null && prio == null ? priority : null;
                call.continueInDialplan(context, extension, prio == null && label == null ? 1L : prio, label);
            }
        } catch (AriException e) {
            log.debug("AGI over ARI {}: back to the dialplan: {}", call, e.getMessage());
        }
    }

    /** Keys still kept (for tests). */
    List<Character> pendingKeys() { return c.pendingKeys(); }
}