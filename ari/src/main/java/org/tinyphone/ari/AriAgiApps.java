package org.tinyphone.ari;

import static org.tinyphone.ari.AriAgiCall.samples;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.LogText;

/** AGI's EXEC (the dialplan applications ARI can reach) and RECORD FILE, done over ARI on the call. */
final class AriAgiApps {
    private static final Logger log = LoggerFactory.getLogger(AriAgiChannel.class);   // one log for AGI over ARI

    private final AriAgiCall c;
    private final Ari ari;
    private final String id;

    AriAgiApps(AriAgiCall call) {
        this.c = call;
        this.ari = call.ari;
        this.id = call.id;
    }

    /** EXEC {@code app} {@code args}: the dialplan applications ARI can reach; others cannot run here. */
    String runApp(String app, String args, String line) throws InterruptedException {
        String[] p = args.isEmpty() ? new String[0] : args.split(",", -1);
        switch (app.toLowerCase(Locale.ROOT)) {
            case "noop", "verbose" -> {
                log.info("AGI over ARI {} ({}): {}({})", LogText.escape(c.call.channel().name()), c.call.app(), app, LogText.escape(args));
                return "200 result=0";
            }
            case "set" -> {
                int eq = args.indexOf('=');
                if (eq <= 0) return "200 result=0";
                if (!c.gone()) ari.channels().setVariable(id, args.substring(0, eq), args.substring(eq + 1));
                return "200 result=0";
            }
            default -> { }
        }
        if (c.gone()) return "200 result=-1";
        switch (app.toLowerCase(Locale.ROOT)) {
            case "answer" -> {
                ari.channels().answer(id);
                return "200 result=0";
            }
            case "hangup" -> {
                c.hangup();
                return "200 result=-1";
            }
            case "playback" -> {
                List<String> media = new ArrayList<>();
                for (String f : (p.length == 0 ? "" : p[0]).split("&")) if (!f.isEmpty()) media.add("sound:" + f);
                if (media.isEmpty()) return "200 result=0";
                return "200 result=" + Math.min(0, c.prompt(media, "", null, null, null).code());
            }
            case "saydigits", "saynumber", "sayalpha" -> {
                String scheme = app.equalsIgnoreCase("saydigits") ? "digits:" : app.equalsIgnoreCase("saynumber") ? "number:" : "characters:";
                return "200 result=" + Math.min(0, c.prompt(List.of(scheme + (p.length == 0 ? "" : p[0])), "", null, null, null).code());
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
                return "200 result=" + (c.sleep(ms) ? 0 : -1);
            }
            case "musiconhold" -> {
                ari.channels().startMoh(id, p.length == 0 || p[0].isEmpty() ? null : p[0]);
                long ms = p.length > 1 && !p[1].isEmpty() ? (long) (Double.parseDouble(p[1]) * 1000) : -1;
                boolean up = c.sleep(ms);
                if (up) ari.channels().stopMoh(id);
                return "200 result=" + (up ? 0 : -1);
            }
            default -> throw AriAgiArgs.unsupported(line, "the dialplan application " + app + " cannot run on a channel in Stasis; over ARI "
                    + "EXEC reaches Answer, Hangup, Playback, SayDigits, SayNumber, SayAlpha, SendDTMF, Ringing, Set, Wait, "
                    + "MusicOnHold, StartMusicOnHold, StopMusicOnHold, NoOp and Verbose");
        }
    }

    /** RECORD FILE file format escape timeout [offset] [BEEP] [s=silence]. */
    String recordFile(List<String> a) throws InterruptedException {
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
        Character kept = c.takeKeptEscape(escape);
        if (kept != null) return "200 result=" + (int) kept + " (dtmf) endpos=0";
        long started = System.nanoTime();
        try {
            ari.channels().record(id, RecordOptions.of(file, a.get(1))
                    .maxDurationSeconds(timeoutMs > 0 ? (int) Math.ceil(timeoutMs / 1000.0) : null)
                    .maxSilenceSeconds(silence > 0 ? silence : null).beep(beep ? Boolean.TRUE : null)
                    .ifExists(offset > 0 ? "append" : "overwrite").terminateOn("none"));
        } catch (AriHttpException e) {
            if (e.status() == 404 || e.status() == 409) throw e;
            log.warn("AGI over ARI {}: RECORD FILE {} refused by Asterisk: {}", c.call, LogText.escape(file), e.getMessage());
            return "200 result=-1 (writefile) endpos=0";
        }
        int key = 0;
        while (true) {
            AriEvent e = c.next(Long.MAX_VALUE);
            if (c.gone()) return "200 result=-1 (hangup) endpos=" + samples(started);
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
                    Character k = AriAgiCall.key(d).orElse(null);
                    if (key == 0 && k != null && escape.indexOf(k) >= 0) {
                        key = k;
                        try {
                            ari.recordings().stop(file);
                        } catch (AriHttpException x) {
                            log.debug("AGI over ARI {}: stopping recording {}: {}", c.call, file, x.getMessage());
                        }
                    }
                }
                default -> { }
            }
        }
    }

    private boolean recording(String name) { return AriAgiCall.found(() -> ari.recordings().live(name)); }
}
