package org.tinyphone.ari;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * ARI's REST resources as typed blocking calls (run them on a virtual thread: each waits for Asterisk's answer).
 * A call returns the result, or throws {@link AriHttpException} carrying the status and Asterisk's message,
 * {@link AriConnectionException} when no answer came, or {@link AriException} when a 2xx answer is not the result
 * asked for (not JSON, not an object or list of them, a field of an impossible shape). Ids and values are encoded into the URL: a value can never
 * change the path or add a parameter.
 *
 * <pre>{@code
 * ari.channels().answer(id);
 * Playback p = ari.channels().play(id, Play.of("sound:hello-world"));
 * Optional<String> dnid = ari.channels().getVariable(id, "CALLERID(dnid)");
 * }</pre>
 */
public final class Ari {
    private final RestCalls rest;
    private final Consumer<String> ownChannel;
    private final Channels channels = new Channels();
    private final Bridges bridges = new Bridges();
    private final Playbacks playbacks = new Playbacks();
    private final Recordings recordings = new Recordings();
    private final AsteriskResource asterisk = new AsteriskResource();
    private final Applications applications = new Applications();

    /**
     * @param transport  the transport to use now (it may change when a connection is replaced)
     * @param ownChannel told the id of every channel this client creates, before the request goes out
     * @param failures   counts the requests that fail
     */
    Ari(Supplier<RestTransport> transport, Consumer<String> ownChannel, RestFailures failures) {
        this.rest = new RestCalls(transport, failures);
        this.ownChannel = ownChannel;
    }

    public Channels channels() { return channels; }
    public Bridges bridges() { return bridges; }
    public Playbacks playbacks() { return playbacks; }
    public Recordings recordings() { return recordings; }
    public AsteriskResource asterisk() { return asterisk; }
    public Applications applications() { return applications; }

    // ------------------------------------------------------------------------------------------ plumbing

    private static String joined(String[] ids) { return ids == null || ids.length == 0 ? null : String.join(",", ids); }

    private String own(String channelId) {
        String id = channelId == null ? UUID.randomUUID().toString() : channelId;
        ownChannel.accept(id);
        return id;
    }

    private static RestRequest playParams(RestRequest r, Play p) {
        for (String m : p.media()) r.param("media", m);
        return r.param("lang", p.lang()).param("offsetms", p.offsetMs()).param("skipms", p.skipMs())
                .param("playbackId", p.playbackId());
    }

    private static ObjectNode variables(Map<String, String> vars) {
        if (vars.isEmpty()) return null;
        ObjectNode body = AriJson.object();
        ObjectNode v = body.putObject("variables");
        vars.forEach(v::put);
        return body;
    }

    // ------------------------------------------------------------------------------------------ resources

    /** {@code /channels}. */
    public final class Channels {
        private Channels() {}

        /** Every channel Asterisk has (also those not in any app). */
        public List<Channel> list() { return rest.list(RestRequest.get("channels"), Channel.class); }

        public Channel get(String channelId) { return rest.json(RestRequest.get("channels", channelId), Channel.class); }

        public void answer(String channelId) { rest.none(RestRequest.post("channels", channelId, "answer")); }

        /** Hangs up with the normal cause. */
        public void hangup(String channelId) { rest.none(RestRequest.delete("channels", channelId)); }

        /**
         * Hangs up with a reason as Asterisk names it: {@code normal}, {@code busy}, {@code congestion},
         * {@code no_answer}, {@code timeout}, {@code rejected}, {@code unallocated}, {@code answered_elsewhere}, ...
         * (anything else: 400 {@code Invalid reason for hangup reason provided}).
         */
        public void hangup(String channelId, String reason) {
            rest.none(RestRequest.delete("channels", channelId).param("reason", reason));
        }

        /** Starts playing; the playback ends with a {@code PlaybackFinished} event. */
        public Playback play(String channelId, Play play) {
            return rest.json(playParams(RestRequest.post("channels", channelId, "play"), play), Playback.class);
        }

        public Playback play(String channelId, String... media) { return play(channelId, Play.of(media)); }

        /** Starts a recording; it ends with {@code RecordingFinished} (or {@code RecordingFailed}). */
        public LiveRecording record(String channelId, RecordOptions o) {
            return rest.json(RestRequest.post("channels", channelId, "record").param("name", o.name()).param("format", o.format())
                    .param("maxDurationSeconds", o.maxDurationSeconds()).param("maxSilenceSeconds", o.maxSilenceSeconds())
                    .param("ifExists", o.ifExists()).param("beep", o.beep()).param("terminateOn", o.terminateOn()), LiveRecording.class);
        }

        /**
         * A channel variable or function ({@code CALLERID(num)}); empty if it is not set (404 {@code Provided
         * variable was not found}). A channel that does not exist throws {@link AriHttpException} 404.
         */
        public Optional<String> getVariable(String channelId, String name) {
            RestRequest r = RestRequest.get("channels", channelId, "variable").param("variable", name);
            RestResponse resp = rest.call(r);
            if (resp.status() == 404) {
                AriHttpException e = RestCalls.error(r, resp);
                if (e.asteriskMessage().toLowerCase(java.util.Locale.ROOT).contains("variable")) return Optional.empty();
                throw rest.httpError(r, resp);
            }
            return rest.value(r, resp);
        }

        public void setVariable(String channelId, String name, String value) {
            rest.none(RestRequest.post("channels", channelId, "variable").param("variable", name).param("value", value));
        }

        /** Leaves Stasis: the dialplan goes on at the next priority (Asterisk sets {@code STASISSTATUS=SUCCESS}). */
        public void continueInDialplan(String channelId) { rest.none(RestRequest.post("channels", channelId, "continue")); }

        /** Leaves Stasis to a dialplan place; nulls keep the channel's current context/extension (label beats priority). */
        public void continueInDialplan(String channelId, String context, String extension, Long priority, String label) {
            rest.none(RestRequest.post("channels", channelId, "continue").param("context", context).param("extension", extension)
                    .param("priority", priority).param("label", label));
        }

        /** Moves the channel to another endpoint (a transfer), e.g. {@code PJSIP/200}. */
        public void redirect(String channelId, String endpoint) {
            rest.none(RestRequest.post("channels", channelId, "redirect").param("endpoint", endpoint));
        }

        /** Sends DTMF ({@code 0-9*#A-D}, and {@code ,} for a pause). */
        public void sendDtmf(String channelId, String dtmf) { rest.none(RestRequest.post("channels", channelId, "dtmf").param("dtmf", dtmf)); }

        /** Sends DTMF with timings in ms (nulls: Asterisk's defaults). */
        public void sendDtmf(String channelId, String dtmf, Integer before, Integer between, Integer duration, Integer after) {
            rest.none(RestRequest.post("channels", channelId, "dtmf").param("dtmf", dtmf).param("before", before)
                    .param("between", between).param("duration", duration).param("after", after));
        }

        /** Rings the caller (an unanswered channel hears ringing). */
        public void ring(String channelId) { rest.none(RestRequest.post("channels", channelId, "ring")); }

        public void ringStop(String channelId) { rest.none(RestRequest.delete("channels", channelId, "ring")); }

        /** Mutes {@code in}, {@code out} or {@code both} directions. */
        public void mute(String channelId, String direction) {
            rest.none(RestRequest.post("channels", channelId, "mute").param("direction", direction));
        }

        public void unmute(String channelId, String direction) {
            rest.none(RestRequest.delete("channels", channelId, "mute").param("direction", direction));
        }

        public void hold(String channelId) { rest.none(RestRequest.post("channels", channelId, "hold")); }

        public void unhold(String channelId) { rest.none(RestRequest.delete("channels", channelId, "hold")); }

        /** Music on hold of a class (null: the default class). */
        public void startMoh(String channelId, String mohClass) {
            rest.none(RestRequest.post("channels", channelId, "moh").param("mohClass", mohClass));
        }

        public void stopMoh(String channelId) { rest.none(RestRequest.delete("channels", channelId, "moh")); }

        public void startSilence(String channelId) { rest.none(RestRequest.post("channels", channelId, "silence")); }

        public void stopSilence(String channelId) { rest.none(RestRequest.delete("channels", channelId, "silence")); }

        /**
         * A snoop channel on {@code channelId} that enters {@code app}: it hears ({@code spy}) and/or speaks
         * ({@code whisper}) {@code in}, {@code out}, {@code both} or {@code none}. {@code snoopId} null: the client chooses.
         */
        public Channel snoop(String channelId, String app, String spy, String whisper, String appArgs, String snoopId) {
            return rest.json(RestRequest.post("channels", channelId, "snoop").param("app", app).param("spy", spy)
                    .param("whisper", whisper).param("appArgs", appArgs).param("snoopId", own(snoopId)), Channel.class);
        }

        /** Places a call ({@code POST /channels}). */
        public Channel originate(Originate o) {
            return rest.json(RestRequest.post("channels").param("endpoint", o.endpoint()).param("extension", o.extension())
                    .param("context", o.context()).param("priority", o.priority()).param("label", o.label())
                    .param("app", o.app()).param("appArgs", o.appArgs()).param("callerId", o.callerId())
                    .param("timeout", o.timeout()).param("channelId", own(o.channelId()))
                    .param("otherChannelId", o.otherChannelId()).param("originator", o.originator())
                    .param("formats", o.formats()).body(variables(o.variables())), Channel.class);
        }

        /** Creates a channel in {@code app} without dialing it yet (then {@link #dial}). */
        public Channel create(String endpoint, String app, String appArgs, String channelId) {
            return rest.json(RestRequest.post("channels", "create").param("endpoint", endpoint).param("app", app)
                    .param("appArgs", appArgs).param("channelId", own(channelId)), Channel.class);
        }

        /** Dials a channel made by {@link #create}; {@code caller} (may be null) is the channel it dials for. */
        public void dial(String channelId, String caller, Integer timeoutSeconds) {
            rest.none(RestRequest.post("channels", channelId, "dial").param("caller", caller).param("timeout", timeoutSeconds));
        }

        /** A channel carrying audio to/from a media server; {@code channelvars} of the answer say how to reach it. */
        public Channel externalMedia(ExternalMedia m) {
            return rest.json(RestRequest.post("channels", "externalMedia").param("app", m.app()).param("external_host", m.externalHost())
                    .param("encapsulation", m.encapsulation()).param("transport", m.transport())
                    .param("connection_type", m.connectionType()).param("format", m.format()).param("direction", m.direction())
                    .param("data", m.data()).param("transport_data", m.transportData()).param("channelId", own(m.channelId())),
                    Channel.class);
        }
    }

    /** {@code /bridges}. */
    public final class Bridges {
        private Bridges() {}

        public List<Bridge> list() { return rest.list(RestRequest.get("bridges"), Bridge.class); }

        public Bridge get(String bridgeId) { return rest.json(RestRequest.get("bridges", bridgeId), Bridge.class); }

        /**
         * Creates a bridge; {@code type} e.g. {@code mixing}, {@code holding}, {@code mixing,dtmf_events};
         * {@code bridgeId} null: the client chooses one. 409 if the id exists.
         */
        public Bridge create(String type, String bridgeId, String name) {
            return rest.json(RestRequest.post("bridges").param("type", type)
                    .param("bridgeId", bridgeId == null ? UUID.randomUUID().toString() : bridgeId).param("name", name), Bridge.class);
        }

        public void destroy(String bridgeId) { rest.none(RestRequest.delete("bridges", bridgeId)); }

        /** Adds channels (in Stasis: else 422 {@code Channel not in Stasis application}). */
        public void addChannel(String bridgeId, String... channelIds) {
            rest.none(RestRequest.post("bridges", bridgeId, "addChannel").param("channel", joined(channelIds)));
        }

        public void removeChannel(String bridgeId, String... channelIds) {
            rest.none(RestRequest.post("bridges", bridgeId, "removeChannel").param("channel", joined(channelIds)));
        }

        /** Plays to everyone in the bridge. */
        public Playback play(String bridgeId, Play play) {
            return rest.json(playParams(RestRequest.post("bridges", bridgeId, "play"), play), Playback.class);
        }
    }

    /** {@code /playbacks}. */
    public final class Playbacks {
        private Playbacks() {}

        /** A playback still going (404 once it finished). */
        public Playback get(String playbackId) { return rest.json(RestRequest.get("playbacks", playbackId), Playback.class); }

        /** Stops it ({@code PlaybackFinished} follows). */
        public void stop(String playbackId) { rest.none(RestRequest.delete("playbacks", playbackId)); }

        /** {@code restart}, {@code pause}, {@code unpause}, {@code reverse}, {@code forward}. */
        public void control(String playbackId, String operation) {
            rest.none(RestRequest.post("playbacks", playbackId, "control").param("operation", operation));
        }
    }

    /** {@code /recordings}. */
    public final class Recordings {
        private Recordings() {}

        public LiveRecording live(String name) { return rest.json(RestRequest.get("recordings", "live", name), LiveRecording.class); }

        /** Stops and keeps it ({@code RecordingFinished} follows). */
        public void stop(String name) { rest.none(RestRequest.post("recordings", "live", name, "stop")); }

        /** Stops and throws it away. */
        public void cancel(String name) { rest.none(RestRequest.delete("recordings", "live", name)); }

        public void pause(String name) { rest.none(RestRequest.post("recordings", "live", name, "pause")); }

        public void unpause(String name) { rest.none(RestRequest.delete("recordings", "live", name, "pause")); }

        public void mute(String name) { rest.none(RestRequest.post("recordings", "live", name, "mute")); }

        public void unmute(String name) { rest.none(RestRequest.delete("recordings", "live", name, "mute")); }

        public List<StoredRecording> stored() { return rest.list(RestRequest.get("recordings", "stored"), StoredRecording.class); }

        public StoredRecording stored(String name) { return rest.json(RestRequest.get("recordings", "stored", name), StoredRecording.class); }

        public void deleteStored(String name) { rest.none(RestRequest.delete("recordings", "stored", name)); }

        public StoredRecording copyStored(String name, String destination) {
            return rest.json(RestRequest.post("recordings", "stored", name, "copy").param("destinationRecordingName", destination),
                    StoredRecording.class);
        }
    }

    /** {@code /asterisk}. */
    public final class AsteriskResource {
        private AsteriskResource() {}

        public AsteriskInfo info() { return rest.json(RestRequest.get("asterisk", "info"), AsteriskInfo.class); }

        public AsteriskPing ping() { return rest.json(RestRequest.get("asterisk", "ping"), AsteriskPing.class); }

        /** A global variable or function; empty if not set. */
        public Optional<String> getGlobalVariable(String name) {
            RestRequest r = RestRequest.get("asterisk", "variable").param("variable", name);
            RestResponse resp = rest.call(r);
            if (resp.status() == 404) return Optional.empty();
            return rest.value(r, resp);
        }

        public void setGlobalVariable(String name, String value) {
            rest.none(RestRequest.post("asterisk", "variable").param("variable", name).param("value", value));
        }
    }

    /** {@code /applications}. */
    public final class Applications {
        private Applications() {}

        public List<Application> list() { return rest.list(RestRequest.get("applications"), Application.class); }

        /** 404 while no WebSocket serves the app. */
        public Application get(String name) { return rest.json(RestRequest.get("applications", name), Application.class); }
    }
}
