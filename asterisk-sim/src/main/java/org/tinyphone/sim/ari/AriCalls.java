package org.tinyphone.sim.ari;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import static org.tinyphone.sim.ari.AriState.JSON;
import static org.tinyphone.sim.ari.AriState.event;

import org.tinyphone.sim.ari.AriState.Br;
import org.tinyphone.sim.ari.AriState.Chan;
import org.tinyphone.sim.ari.AriState.OutboundConfig;
import org.tinyphone.sim.ari.AriState.Pb;
import org.tinyphone.sim.ari.AriState.Rec;

/**
 * The calls of a {@link SimulatedAriAsterisk}: a caller enters Stasis, presses its keys when the app has been quiet
 * for a while, hangs up; playbacks play their media one after the other, recordings end. Callers hold the state's
 * lock; what runs later (timers) takes it.
 */
final class AriCalls {
    private static final Set<String> SCHEMES = Set.of("sound", "number", "digits", "characters", "tone", "recording");

    private final AriState st;
    private final SimulatedAriAsterisk sim;

    AriCalls(AriState st, SimulatedAriAsterisk sim) {
        this.st = st;
        this.sim = sim;
    }

    void place(SimulatedAriCall call) {
        if (call.channelId == null) call.channelId = (st.nextUnique / 100) + "." + (st.nextUnique++ % 100 + st.channels.size());
        int n = st.nextLocal++;
        Chan c = new Chan(call.channelId, String.format(Locale.ROOT, "Local/ari@tp-ari-%08x;2", n));
        c.state = "Ring";
        c.callerName = call.callerName;
        c.callerNumber = call.callerNumber;
        c.connectedName = call.callerName;
        c.connectedNumber = call.callerNumber;
        c.context = "tp-ari";
        c.exten = "ari";
        c.priority = 2;
        c.appName = "Stasis";
        c.appData = String.join(",", concat(call.app, call.args));
        c.vars.putAll(call.variables);
        c.vars.put("CALLERID(dnid)", call.dnid);
        c.call = call;
        for (SimulatedAriCall.VariableFault f : call.faults) st.faults.add(RestFaults.variableRead(c.id, f.name()), f.times(), f.fault());
        st.channels.put(c.id, c);
        OutboundConfig pc = st.perCall.get(call.app);
        if (pc != null) {
            c.application = call.app + ":" + c.name;
            c.app = call.app;
            AriSink s = sim.new OutboundLink(new OutboundConfig(c.application, pc.uri(), pc.user(), pc.password(), pc.reconnect()), false).connectPerCall();
            if (!s.open) {   // nobody listens: Stasis() gives up, STASISSTATUS=FAILED (09d part 2b)
                st.channels.remove(c.id);
                finish(c, "failed", null);
                return;
            }
            c.perCallSink = s;
            st.timer.schedule(() -> { synchronized (st) { enterStasis(c); } }, 50, TimeUnit.MILLISECONDS);
            return;
        }
        if (!st.served(call.app)) {   // Stasis() of an app nobody serves: STASISSTATUS=FAILED, the dialplan goes on
            st.channels.remove(c.id);
            finish(c, "failed", null);
            return;
        }
        c.app = call.app;
        c.application = call.app;
        enterStasis(c);
    }

    void pressNow(SimulatedAriCall call, char key) {
        Chan c = st.channels.get(call.channelId);
        if (c != null) press(c, key);
    }

    void hangupNow(SimulatedAriCall call) {
        Chan c = st.channels.get(call.channelId);
        if (c != null) callerHangsUp(c);
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> l = new ArrayList<>();
        l.add(first);
        l.addAll(rest);
        return l;
    }

    void enterStasis(Chan c) {
        if (!st.channels.containsKey(c.id)) return;
        ObjectNode args = JSON.createObjectNode();
        ArrayNode a = args.putArray("args");
        if (c.call != null) c.call.args.forEach(a::add);
        st.emitChan(c, "StasisStart", args);
        if (c.call != null) {
            activity(c);
            if (c.call.hangupAfter != null) {
                st.timer.schedule(() -> { synchronized (st) { callerHangsUp(c); } }, c.call.hangupAfter.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** The app did something on the call (or a playback ended): the caller waits {@code idle} before pressing the next key. */
    void activity(Chan c) {
        if (c.call == null || st.closed) return;
        if (c.check != null) c.check.cancel(false);
        c.check = st.timer.schedule(() -> { synchronized (st) { idleCheck(c, false); } }, c.call.idle.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void idleCheck(Chan c, boolean givingUp) {
        if (!st.channels.containsKey(c.id) || c.app == null || !c.playing.isEmpty()) return;
        Character k = c.call.waitForPrompt && !c.prompted ? null : c.call.keys.poll();
        if (k != null) {
            press(c, k);
            activity(c);
        } else if (givingUp) {
            callerHangsUp(c);
        } else {
            long rest = Math.max(1, c.call.giveUpAfter.toMillis() - c.call.idle.toMillis());
            c.check = st.timer.schedule(() -> { synchronized (st) { idleCheck(c, true); } }, rest, TimeUnit.MILLISECONDS);
        }
    }

    void press(Chan c, char k) {
        if (!st.channels.containsKey(c.id) || c.app == null) return;
        c.call.pressed.add(k);
        ObjectNode x = JSON.createObjectNode();
        x.put("digit", String.valueOf(k)).put("duration_ms", 100);
        st.emitChan(c, "ChannelDtmfReceived", x);
        Br bridged = c.bridge == null ? null : st.bridges.get(c.bridge);
        if (bridged != null) {   // 10c: the key also reaches an AudioSocket channel in the bridge as a 0x03 frame
            for (String id : bridged.channels) {
                Chan other = st.channels.get(id);
                if (other != null && other.media != null) other.media.dtmf(k);
            }
        }
        for (Rec r : List.copyOf(st.recordings.values())) {
            if (r.target.equals("channel:" + c.id) && r.state.equals("recording") && r.terminateOn != null
                    && (r.terminateOn.equals("any") || r.terminateOn.indexOf(k) >= 0) && !r.terminateOn.equals("none")) {
                finishRecording(r, "done");
            }
        }
    }

    void callerHangsUp(Chan c) {
        if (!st.channels.containsKey(c.id)) return;
        ObjectNode x = JSON.createObjectNode();
        x.put("cause", 16);
        st.emitChan(c, "ChannelHangupRequest", x);
        hangupCleanup(c);
        gone(c, "caller-hungup", null);
    }

    /** Playbacks and recordings of a channel that hangs up fail; it leaves its bridge. */
    void hangupCleanup(Chan c) {
        if (c.media != null) c.media.close();   // the channel hangs up: chan_audiosocket closes its connection
        for (String id : List.copyOf(c.playing)) {
            Pb p = st.playbacks.remove(id);
            if (p == null) continue;
            if (p.timer != null) p.timer.cancel(false);
            p.state = "failed";
            st.emitPb(p, "PlaybackFinished");
        }
        c.playing.clear();
        for (Rec r : List.copyOf(st.recordings.values())) {
            if (r.target.equals("channel:" + c.id)) finishRecording(r, "done");
        }
        if (c.bridge != null) {
            Br b = st.bridges.get(c.bridge);
            c.bridge = null;
            if (b != null) {
                b.channels.remove(c.id);
                ObjectNode x = JSON.createObjectNode();
                x.set("bridge", st.brJson(b));
                st.emitChan(c, "ChannelLeftBridge", x);
            }
        }
    }

    /** The channel leaves Stasis (StasisEnd) and, unless it continues in the dialplan, is gone. */
    void gone(Chan c, String outcome, String continuedAt) {
        st.emitChan(c, "StasisEnd", null);
        st.channels.remove(c.id);
        if (c.madeByApp) {
            ObjectNode x = JSON.createObjectNode();
            x.put("cause", 16).put("cause_txt", "Normal Clearing");
            st.emitChan(c, "ChannelDestroyed", x);
        }
        if (c.check != null) c.check.cancel(false);
        if (c.perCallSink != null) {
            AriSink s = c.perCallSink;
            st.timer.schedule(s::close, 100, TimeUnit.MILLISECONDS);
        }
        finish(c, outcome, continuedAt);
    }

    private void finish(Chan c, String outcome, String continuedAt) {
        SimulatedAriCall call = c.call;
        if (call == null) return;
        call.done.complete(new SimulatedAriCall.Result(c.id, outcome, continuedAt, List.copyOf(call.played),
                List.copyOf(call.requests), List.copyOf(call.pressed), List.copyOf(call.dtmfSent), Map.copyOf(c.vars), call.audioFrames));
    }

    // ------------------------------------------------------------------------------------------ playbacks

    AriResponse play(String app, String target, Chan c, AriRequest r, String pathId) {
        List<String> media = r.params("media");
        if (media.isEmpty()) return AriResponse.error(500, "Internal Server Error", "Failed to queue media for playback");
        String id = pathId != null ? pathId : r.param("playbackId") != null ? r.param("playbackId") : UUID.randomUUID().toString();
        if (st.playbacks.containsKey(id)) return AriResponse.error(409, "Conflict", "A playback with the same id already exists");
        Pb p = new Pb(id, List.copyOf(media), target, r.param("lang") == null ? "en" : r.param("lang"), app);
        st.playbacks.put(id, p);
        String json = st.pbJson(p).toString();
        if (c != null) {
            c.playing.add(id);
            if (c.call != null) {
                c.call.played.addAll(media);
                if (c.check != null) c.check.cancel(false);
            }
        }
        p.state = "playing";
        st.emitPb(p, "PlaybackStarted");
        String first = media.get(0);
        String scheme = first.contains(":") ? first.substring(0, first.indexOf(':')) : "";
        if (!SCHEMES.contains(scheme)) {          // unknown scheme: started, never finished, then gone (09c)
            st.playbacks.remove(id);
            if (c != null) {
                c.playing.remove(id);
                activity(c);
            }
            return AriResponse.created(json, "/ari/playbacks/" + id);
        }
        scheduleStep(p);
        if (c != null && c.call != null) {
            for (String m : media) {
                String file = m.startsWith("sound:") ? m.substring(6) : null;
                if (file == null) continue;
                if (file.equals(c.call.hangupDuring)) {
                    st.timer.schedule(() -> { synchronized (st) { callerHangsUp(c); } }, 10, TimeUnit.MILLISECONDS);
                    break;
                }
                Character k = c.call.pressDuring.get(file);
                if (k != null) {
                    st.timer.schedule(() -> { synchronized (st) { if (c.playing.contains(id)) press(c, k); } }, 5, TimeUnit.MILLISECONDS);
                    break;
                }
            }
        }
        return AriResponse.created(json, "/ari/playbacks/" + id);
    }

    void scheduleStep(Pb p) {
        String m = p.media.get(p.index);
        if (m.startsWith("sound:") && st.cfg.missing.test(m.substring(6))) {
            p.timer = st.timer.schedule(() -> { synchronized (st) { endPlayback(p, "failed"); } }, 0, TimeUnit.MILLISECONDS);
            return;
        }
        p.timer = st.timer.schedule(() -> { synchronized (st) { step(p); } }, Math.max(1, st.cfg.durations.applyAsLong(m)), TimeUnit.MILLISECONDS);
    }

    private void step(Pb p) {
        if (st.playbacks.get(p.id) != p) return;
        if (p.index + 1 < p.media.size()) {
            p.index++;
            p.state = "continuing";
            st.emitPb(p, "PlaybackContinuing");
            p.state = "playing";
            scheduleStep(p);
        } else {
            endPlayback(p, "done");
        }
    }

    void endPlayback(Pb p, String state) {
        if (st.playbacks.remove(p.id) == null) return;
        if (p.timer != null) p.timer.cancel(false);
        p.state = state;
        st.emitPb(p, "PlaybackFinished");
        if (p.target.startsWith("channel:")) {
            Chan c = st.channels.get(p.target.substring(8));
            if (c != null) {
                c.playing.remove(p.id);
                c.prompted = true;
                activity(c);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ recordings

    void finishRecording(Rec r, String state) {
        if (st.recordings.remove(r.name) == null) return;
        if (r.timer != null) r.timer.cancel(false);
        r.state = state;
        ObjectNode e = event(state.equals("canceled") ? "RecordingFinished" : "RecordingFinished");
        e.set("recording", st.recJson(r));
        st.emit(r.app, e);
        if (!state.equals("canceled")) st.stored.put(r.name, r.format);
        if (r.target.startsWith("channel:")) {
            Chan c = st.channels.get(r.target.substring(8));
            if (c != null) activity(c);
        }
    }
    void note(Chan c, AriRequest r) {
        if (c == null || c.call == null) return;
        c.call.requests.add(r.method() + " " + r.path() + (r.query().isEmpty() ? "" : "?" + r.query()));
        activity(c);
    }
}
