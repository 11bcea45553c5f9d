package org.tinyphone.ari;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.agi.AbstractAgiChannel;
import org.tinyphone.agi.AgiCommand;
import org.tinyphone.agi.AgiEnvironment;
import org.tinyphone.agi.AgiException;
import org.tinyphone.agi.AgiHangupException;
import org.tinyphone.agi.AgiReply;
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
 * reads keys. One thread only (the call's): no locks.
 */
final class AriAgiChannel extends AbstractAgiChannel {
    private static final Logger log = LoggerFactory.getLogger(AriAgiChannel.class);
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
    private static final Pattern REF = Pattern.compile("\\$\\{([^${}]*)}");
    /** Asterisk's pbx defaults when a prompt gives no timeout: first key 10 s, between keys 5 s (pbx.c rtimeoutms/dtimeoutms). */
    private static final int FIRST_KEY_MS = 10_000;
    private static final int NEXT_KEY_MS = 5_000;

    private final StasisCall call;
    private final Ari ari;
    private final String id;
    private final ArrayDeque<Character> pending = new ArrayDeque<>();
    private boolean gone;          // the channel hung up or left Stasis
    private boolean hungUpByUs;    // our own HANGUP: its events are not news
    private String context;        // SET CONTEXT/EXTENSION/PRIORITY: where the dialplan goes on when the app ends
    private String extension;
    private String priority;

    AriAgiChannel(StasisCall call, AgiEnvironment environment) {
        super(environment);
        this.call = call;
        this.ari = call.ari();
        this.id = call.id();
    }

    // ------------------------------------------------------------------------------------------ the one transport method

    @Override
    protected AgiReply exchange(String line) {
        drain();
        List<String> words = AgiCommand.parse(line);
        String name = commandName(words);
        if (name == null) return AgiReply.parse("510 Invalid or unknown command");
        List<String> a = words.subList(name.split(" ").length, words.size());
        if (gone && !DEAD_SAFE.contains(name)) return AgiReply.parse(DEAD);
        try {
            return AgiReply.parse(run(name, a, line));
        } catch (AriHttpException e) {
            boolean ours = e.path().equals("channels/" + UrlCodec.segment(id)) || e.path().startsWith("channels/" + UrlCodec.segment(id) + "/");
            if (ours && (e.status() == 404 && e.asteriskMessage().toLowerCase(Locale.ROOT).contains("channel")
                    || e.status() == 409 && e.asteriskMessage().contains("not in Stasis"))) {
                lost("Asterisk: " + e.asteriskMessage());   // it hung up (or left Stasis) before our request
                return AgiReply.parse(DEAD_SAFE.contains(name) ? "200 result=0" : DEAD);
            }
            throw new AgiException("'" + line + "' over ARI: Asterisk answered " + e.getMessage(), e);
        } catch (AriConnectionException e) {
            gone = true;
            throw new AgiHangupException("'" + line + "' over ARI: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            gone = true;
            throw new AgiHangupException("'" + line + "' over ARI: interrupted (the ARI client is closing)", e);
        }
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
                hungUpByUs = true;
                call.hangup();
                return "200 result=1";
            }
            case "CHANNEL STATUS" -> {
                if (!a.isEmpty() && !a.get(0).equals(call.channel().name())) {
                    return "200 result=" + byName(a.get(0)).map(Channel::stateCode).orElse(-1);
                }
                return "200 result=" + ari.channels().get(id).stateCode();
            }
            case "STREAM FILE" -> {
                if (a.size() < 2) return usage(name);
                Prompt p = prompt(List.of("sound:" + a.get(0)), a.get(1), offsetMs(a, 2, true), null, null);
                return "200 result=" + p.code + " endpos=" + p.endpos;
            }
            case "CONTROL STREAM FILE" -> {
                if (a.size() < 2) return usage(name);
                int skip = a.size() > 2 && !a.get(2).isEmpty() ? Integer.parseInt(a.get(2)) : 3000;
                Controls k = new Controls(arg(a, 3, "#"), arg(a, 4, "*"), arg(a, 5, ""));
                Prompt p = prompt(List.of("sound:" + a.get(0)), a.get(1), offsetMs(a, 6, false), skip, k);
                return "200 result=" + p.code + " endpos=" + p.endpos;
            }
            case "GET OPTION" -> {
                if (a.size() < 2) return usage(name);
                String escape = a.get(1);
                Prompt p = prompt(List.of("sound:" + a.get(0)), escape, null, null, null);
                if (p.code != 0) return "200 result=" + p.code + " endpos=" + p.endpos;
                int timeout = a.size() > 2 ? Integer.parseInt(a.get(2)) : NEXT_KEY_MS;
                int key = waitKey(timeout < 0 ? NEXT_KEY_MS : timeout);
                return "200 result=" + (key > 0 && escape.indexOf(key) >= 0 ? key : key < 0 ? -1 : 0) + " endpos=" + p.endpos;
            }
            case "WAIT FOR DIGIT" -> {
                if (a.isEmpty()) return usage(name);
                return "200 result=" + waitKey(Integer.parseInt(a.get(0)));
            }
            case "GET DATA" -> {
                if (a.isEmpty()) return usage(name);
                return readDigits(a.get(0), a.size() > 1 ? Integer.parseInt(a.get(1)) : 0, a.size() > 2 ? Integer.parseInt(a.get(2)) : 1024);
            }
            case "SAY NUMBER" -> {
                if (a.size() < 2 || !a.get(0).matches("-?\\d{1,10}")) return usage(name);
                if (a.size() > 2 && !a.get(2).isEmpty()) throw unsupported(line, "ARI's number: media has no gender");
                return said(List.of("number:" + a.get(0)), a.get(1));
            }
            case "SAY DIGITS" -> {
                if (a.size() < 2 || !a.get(0).matches("\\d+")) return usage(name);
                return said(List.of("digits:" + a.get(0)), a.get(1));
            }
            case "SAY ALPHA" -> {
                if (a.size() < 2) return usage(name);
                return said(List.of("characters:" + a.get(0)), a.get(1));
            }
            case "SAY DATE", "SAY TIME", "SAY DATETIME" -> {
                if (a.size() < 2 || !a.get(0).matches("-?\\d+")) return usage(name);
                english(line);
                ZoneId zone = a.size() > 3 && !a.get(3).isEmpty() ? zone(a.get(3), line) : ZoneId.systemDefault();
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
                return said(media, a.get(1));
            }
            case "GET VARIABLE" -> {
                if (a.size() != 1) return usage(name);
                if (gone) return "200 result=0";   // no channel left to read
                return found(ari.channels().getVariable(id, a.get(0)));
            }
            case "GET FULL VARIABLE" -> {
                if (a.isEmpty()) return usage(name);
                String target = id;
                if (a.size() > 1) {
                    Optional<Channel> other = byName(a.get(1));
                    if (other.isEmpty()) return "200 result=0";
                    target = other.get().id();
                } else if (gone) {
                    return "200 result=0";
                }
                return "200 result=1 (" + expand(a.get(0), target, line) + ")";
            }
            case "SET VARIABLE" -> {
                if (a.size() != 2) return usage(name);
                if (!gone) ari.channels().setVariable(id, a.get(0), a.get(1));
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
                return runApp(a.get(0), a.size() > 1 ? a.get(1) : "", line);
            }
            case "RECORD FILE" -> {
                if (a.size() < 4) return usage(name);
                return recordFile(a, line);
            }
            case "DATABASE GET" -> {
                if (a.size() != 2) return usage(name);
                return found(ari.asterisk().getGlobalVariable("DB(" + a.get(0) + "/" + a.get(1) + ")").filter(v -> !v.isEmpty()));
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

    // ------------------------------------------------------------------------------------------ events

    /** Queued events between commands: keys are kept for the next command that reads keys; a hangup is noted. */
    private void drain() {
        AriEvent e;
        while ((e = call.pollEvent()) != null) {
            if (observe(e) && e instanceof AriEvent.ChannelDtmfReceived d) key(d).ifPresent(pending::add);
        }
    }

    /** Notes what an event tells about the channel; true if the event is for the command to look at. */
    private boolean observe(AriEvent e) {
        switch (e) {
            case AriEvent.ChannelHangupRequest h -> lost(h.isSoft() && hungUpByUs ? null : "hangup (cause " + h.cause() + ")");
            case AriEvent.StasisEnd s -> lost(call.left() || hungUpByUs ? null : "left Stasis");
            case AriEvent.ChannelDestroyed d -> lost(hungUpByUs ? null : "channel destroyed");
            default -> { }
        }
        return true;
    }

    private void lost(String why) {
        if (!gone) log.debug("AGI over ARI {}: the channel is gone ({})", call, why);
        gone = true;
        if (why != null) noticeHangup();
    }

    private static Optional<Character> key(AriEvent.ChannelDtmfReceived d) {
        return d.digit() == null || d.digit().length() != 1 ? Optional.empty() : Optional.of(d.digit().charAt(0));
    }

    /** The next event for the call, waiting until {@code deadline} (System.nanoTime; Long.MAX_VALUE = forever); null at the deadline. */
    private AriEvent next(long deadline) throws InterruptedException {
        long left = deadline == Long.MAX_VALUE ? -1 : deadline - System.nanoTime();
        if (left == 0) left = -2;
        AriEvent e = left == -1 ? call.nextEvent() : left < 0 ? call.pollEvent() : call.nextEvent(java.time.Duration.ofNanos(left));
        if (e != null) observe(e);
        return e;
    }

    private static long deadline(long ms) { return ms < 0 ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms); }

    // ------------------------------------------------------------------------------------------ prompts and keys

    /** What a prompt came to: the key's code (escape key), 0 (played to the end), -1 (failed or hangup); samples played. */
    private record Prompt(int code, long endpos) {}

    /** Forward / rewind / pause keys of CONTROL STREAM FILE. */
    private record Controls(String forward, String rewind, String pause) {}

    /**
     * Plays {@code media} as one playback and waits for its end, an escape key (stops it; the key is the result) or the
     * hangup. A key kept from before the prompt that is an escape key ends it at once, as Asterisk's prompt does when
     * the key is already waiting.
     */
    private Prompt prompt(List<String> media, String escape, Integer offsetMs, Integer skipMs, Controls controls) throws InterruptedException {
        if (!pending.isEmpty() && escape.indexOf(pending.peek()) >= 0) return new Prompt(pending.poll(), 0);
        String pb = UUID.randomUUID().toString();
        long started = System.nanoTime();
        ari.channels().play(id, new Play(media, pb, call.channel().language(), offsetMs, skipMs));
        boolean paused = false;
        while (true) {
            AriEvent e = next(Long.MAX_VALUE);
            if (gone) return new Prompt(-1, samples(started));
            switch (e) {
                case AriEvent.PlaybackFinished f when pb.equals(f.playback().id()) -> {
                    return new Prompt("failed".equals(f.playback().state()) ? -1 : 0, "failed".equals(f.playback().state()) ? 0 : samples(started));
                }
                case AriEvent.ChannelDtmfReceived d -> {
                    Character k = key(d).orElse(null);
                    if (k == null) continue;
                    if (controls != null && controls.forward.indexOf(k) >= 0) {
                        control(pb, "forward");
                    } else if (controls != null && controls.rewind.indexOf(k) >= 0) {
                        control(pb, "reverse");
                    } else if (controls != null && controls.pause.indexOf(k) >= 0) {
                        control(pb, paused ? "unpause" : "pause");
                        paused = !paused;
                    } else if (escape.indexOf(k) >= 0) {
                        stop(pb);
                        return new Prompt(k, samples(started));
                    }
                    // any other key is dropped, as during Asterisk's own prompts
                }
                case AriEvent.EventsMissed m -> {
                    if (!playing(pb)) return new Prompt(0, samples(started));   // it ended while we could not hear it
                }
                default -> { }
            }
        }
    }

    /** The SAY commands: a prompt; the result has no endpos. */
    private String said(List<String> media, String escape) throws InterruptedException {
        return "200 result=" + prompt(media, escape, null, null, null).code;
    }

    private static long samples(long startedNanos) { return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos) * 8; }

    private void stop(String pb) {
        try {
            ari.playbacks().stop(pb);
        } catch (AriHttpException e) {
            log.debug("AGI over ARI {}: stopping playback {}: {}", call, pb, e.getMessage());   // it just ended
        }
    }

    private void control(String pb, String op) {
        try {
            ari.playbacks().control(pb, op);
        } catch (AriHttpException e) {
            log.debug("AGI over ARI {}: {} on playback {}: {}", call, op, pb, e.getMessage());
        }
    }

    private boolean recording(String name) {
        try {
            ari.recordings().live(name);
            return true;
        } catch (AriHttpException e) {
            return false;
        }
    }

    private boolean playing(String pb) {
        try {
            ari.playbacks().get(pb);
            return true;
        } catch (AriHttpException e) {
            return false;
        }
    }

    /** The next key (a kept one first), waiting up to {@code ms} (-1: forever): its code, 0 on timeout, -1 on hangup. */
    private int waitKey(int ms) throws InterruptedException {
        if (!pending.isEmpty()) return pending.poll();
        long deadline = deadline(ms);
        while (true) {
            AriEvent e = next(deadline);
            if (gone) return -1;
            if (e == null) return 0;
            if (e instanceof AriEvent.ChannelDtmfReceived d && key(d).isPresent()) return key(d).get();
        }
    }

    /** GET DATA as app_getdata does: prompt(s) stopped by any key, then keys until {@code #}, {@code max} keys or a timeout. */
    private String readDigits(String files, int timeout, int max) throws InterruptedException {
        int first = timeout > 0 ? timeout : FIRST_KEY_MS;
        int between = timeout > 0 ? timeout : NEXT_KEY_MS;
        StringBuilder got = new StringBuilder();
        List<String> media = new ArrayList<>();
        for (String f : files.split("&")) if (!f.isEmpty()) media.add("sound:" + f);
        if (!media.isEmpty()) {
            Prompt p = prompt(media, "0123456789*#ABCD", null, null, null);
            if (p.code < 0) return "200 result=-1";
            if (p.code > 0) {
                if (p.code == '#') return "200 result=" + got;
                got.append((char) p.code);
            }
        }
        while (got.length() < max) {
            int k = waitKey(got.length() == 0 ? first : between);
            if (k < 0) return "200 result=-1";
            if (k == 0) return "200 result=" + got + " (timeout)";
            if (k == '#') return "200 result=" + got;
            got.append((char) k);
        }
        return "200 result=" + got;
    }

    // ------------------------------------------------------------------------------------------ EXEC, RECORD FILE

    /** The dialplan applications ARI can reach; others cannot run here. */
    private String runApp(String app, String args, String line) throws InterruptedException {
        String[] p = args.isEmpty() ? new String[0] : args.split(",", -1);
        switch (app.toLowerCase(Locale.ROOT)) {
            case "noop", "verbose" -> {
                log.info("AGI over ARI {} ({}): {}({})", LogText.escape(call.channel().name()), call.app(), app, LogText.escape(args));
                return "200 result=0";
            }
            case "set" -> {
                int eq = args.indexOf('=');
                if (eq <= 0) return "200 result=0";
                if (!gone) ari.channels().setVariable(id, args.substring(0, eq), args.substring(eq + 1));
                return "200 result=0";
            }
            default -> { }
        }
        if (gone) return "200 result=-1";
        switch (app.toLowerCase(Locale.ROOT)) {
            case "answer" -> {
                ari.channels().answer(id);
                return "200 result=0";
            }
            case "hangup" -> {
                hungUpByUs = true;
                call.hangup();
                return "200 result=-1";
            }
            case "playback" -> {
                List<String> media = new ArrayList<>();
                for (String f : (p.length == 0 ? "" : p[0]).split("&")) if (!f.isEmpty()) media.add("sound:" + f);
                if (media.isEmpty()) return "200 result=0";
                return "200 result=" + Math.min(0, prompt(media, "", null, null, null).code);
            }
            case "saydigits", "saynumber", "sayalpha" -> {
                String scheme = app.equalsIgnoreCase("saydigits") ? "digits:" : app.equalsIgnoreCase("saynumber") ? "number:" : "characters:";
                return "200 result=" + Math.min(0, prompt(List.of(scheme + (p.length == 0 ? "" : p[0])), "", null, null, null).code);
            }
            case "senddtmf" -> {
                Integer between = p.length > 1 && !p[1].isEmpty() ? Integer.valueOf(p[1]) : null;
                Integer duration = p.length > 2 && !p[2].isEmpty() ? Integer.valueOf(p[2]) : null;
                ari.channels().sendDtmf(id, p.length == 0 ? "" : p[0], null, between, duration, null);
                return "200 result=0";
            }
            case "ringing" -> {
                ari.channels().ring(id);
                return "200 result=0";
            }
            case "startmusiconhold" -> {
                ari.channels().startMoh(id, p.length == 0 || p[0].isEmpty() ? null : p[0]);
                return "200 result=0";
            }
            case "stopmusiconhold" -> {
                ari.channels().stopMoh(id);
                return "200 result=0";
            }
            case "wait" -> {
                long ms = (long) (Double.parseDouble(p.length == 0 || p[0].isEmpty() ? "0" : p[0]) * 1000);
                return "200 result=" + (sleep(ms) ? 0 : -1);
            }
            case "musiconhold" -> {
                ari.channels().startMoh(id, p.length == 0 || p[0].isEmpty() ? null : p[0]);
                long ms = p.length > 1 && !p[1].isEmpty() ? (long) (Double.parseDouble(p[1]) * 1000) : -1;
                boolean up = sleep(ms);
                if (up) ari.channels().stopMoh(id);
                return "200 result=" + (up ? 0 : -1);
            }
            default -> throw unsupported(line, "the dialplan application " + app + " cannot run on a channel in Stasis; over ARI "
                    + "EXEC reaches Answer, Hangup, Playback, SayDigits, SayNumber, SayAlpha, SendDTMF, Ringing, Set, Wait, "
                    + "MusicOnHold, StartMusicOnHold, StopMusicOnHold, NoOp and Verbose");
        }
    }

    /** Waits {@code ms} (-1: until the hangup), keeping keys; false if the channel went away. */
    private boolean sleep(long ms) throws InterruptedException {
        long deadline = deadline(ms);
        while (true) {
            AriEvent e = next(deadline);
            if (gone) return false;
            if (e == null) return true;
            if (e instanceof AriEvent.ChannelDtmfReceived d) key(d).ifPresent(pending::add);
        }
    }

    /** RECORD FILE file format escape timeout [offset] [BEEP] [s=silence]. */
    private String recordFile(List<String> a, String line) throws InterruptedException {
        String file = a.get(0);
        String escape = a.get(2);
        int timeoutMs = Integer.parseInt(a.get(3));
        boolean beep = false;
        int silence = 0;
        long offset = 0;
        for (String x : a.subList(4, a.size())) {
            if (x.equalsIgnoreCase("BEEP")) beep = true;
            else if (x.startsWith("s=")) silence = Integer.parseInt(x.substring(2));
            else if (x.matches("\\d+")) offset = Long.parseLong(x);
        }
        if (!pending.isEmpty() && escape.indexOf(pending.peek()) >= 0) return "200 result=" + (int) pending.poll() + " (dtmf) endpos=0";
        long started = System.nanoTime();
        try {
            ari.channels().record(id, RecordOptions.of(file, a.get(1))
                    .maxDurationSeconds(timeoutMs > 0 ? (int) Math.ceil(timeoutMs / 1000.0) : null)
                    .maxSilenceSeconds(silence > 0 ? silence : null).beep(beep ? Boolean.TRUE : null)
                    .ifExists(offset > 0 ? "append" : "overwrite").terminateOn("none"));
        } catch (AriHttpException e) {
            if (e.status() == 404 || e.status() == 409) throw e;
            log.warn("AGI over ARI {}: RECORD FILE {} refused by Asterisk: {}", call, LogText.escape(file), e.getMessage());
            return "200 result=-1 (writefile) endpos=0";
        }
        int key = 0;
        while (true) {
            AriEvent e = next(Long.MAX_VALUE);
            if (gone) return "200 result=-1 (hangup) endpos=" + samples(started);
            switch (e) {
                case AriEvent.RecordingFinished f when file.equals(f.recording().name()) -> {
                    return key > 0 ? "200 result=" + key + " (dtmf) endpos=" + samples(started)
                            : "200 result=0 (timeout) endpos=" + samples(started);
                }
                case AriEvent.RecordingFailed f when file.equals(f.recording().name()) -> {
                    return "200 result=-1 (randomerror) endpos=0";
                }
                case AriEvent.EventsMissed m -> {
                    if (!recording(file)) {   // it ended while we could not hear it
                        return key > 0 ? "200 result=" + key + " (dtmf) endpos=" + samples(started)
                                : "200 result=0 (timeout) endpos=" + samples(started);
                    }
                }
                case AriEvent.ChannelDtmfReceived d -> {
                    Character k = key(d).orElse(null);
                    if (key == 0 && k != null && escape.indexOf(k) >= 0) {
                        key = k;
                        try {
                            ari.recordings().stop(file);
                        } catch (AriHttpException x) {
                            log.debug("AGI over ARI {}: stopping recording {}: {}", call, file, x.getMessage());
                        }
                    }
                }
                default -> { }
            }
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    private Optional<Channel> byName(String name) {
        return ari.channels().list().stream().filter(c -> name.equals(c.name())).findFirst();
    }

    /** {@code ${NAME}} and {@code ${FUNC(args)}} read one by one (ARI evaluates no whole expressions). */
    private String expand(String expression, String channel, String line) {
        if (expression.contains("$[")) throw unsupported(line, "ARI evaluates no $[...] expressions");
        Matcher m = REF.matcher(expression);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = ari.channels().getVariable(channel, m.group(1)).orElse("");
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        if (out.indexOf("${") >= 0) throw unsupported(line, "ARI reads no nested ${...} references");
        return out.toString();
    }

    private static String found(Optional<String> v) { return v.map(s -> "200 result=1 (" + s + ")").orElse("200 result=0"); }

    private static String arg(List<String> a, int i, String dflt) { return a.size() > i && !a.get(i).isEmpty() ? a.get(i) : dflt; }

    /** An offset argument as milliseconds: STREAM FILE gives samples (8 kHz), CONTROL STREAM FILE milliseconds. */
    private static Integer offsetMs(List<String> a, int i, boolean samples) {
        if (a.size() <= i || a.get(i).isEmpty()) return null;
        long v = Long.parseLong(a.get(i));
        if (v <= 0) return null;
        return (int) (samples ? v / 8 : v);
    }

    private void english(String line) {
        String lang = call.channel().language();
        if (lang != null && !lang.isEmpty() && !lang.toLowerCase(Locale.ROOT).startsWith("en")) {
            throw unsupported(line, "dates and times are put together here in English word order; the channel's language is " + lang);
        }
    }

    private ZoneId zone(String tz, String line) {
        try {
            return ZoneId.of(tz);
        } catch (RuntimeException e) {
            throw unsupported(line, "unknown time zone " + tz);
        }
    }

    private static String usage(String name) {
        return "520-Invalid command syntax.  Proper usage follows:\nUsage: " + name + " (see docs/agi-commands.md)\n520 End of proper usage.";
    }

    private static AgiException unsupported(String line, String why) {
        return new AgiException("'" + line + "' cannot run over ARI: " + why);
    }

    // ------------------------------------------------------------------------------------------ the end of the app

    /** After the app: unless the channel is gone, the dialplan goes on (where SET CONTEXT/EXTENSION/PRIORITY said). */
    void finish() {
        drain();
        if (gone || hungUpByUs || isHungUp() || call.left() || !call.inStasis()) return;
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
    List<Character> pendingKeys() { return List.copyOf(Arrays.asList(pending.toArray(new Character[0]))); }
}
