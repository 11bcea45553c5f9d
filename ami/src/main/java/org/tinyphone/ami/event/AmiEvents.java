package org.tinyphone.ami.event;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Function;

import org.tinyphone.agi.AgiEnvironment;
import org.tinyphone.agi.AgiReply;
import org.tinyphone.ami.codec.AmiMessage;

/**
 * Typed views of the common events. Each is a thin record over the received {@link AmiMessage}, which keeps
 * every field (use {@code message().get(...)} for anything not typed here). Values are read when asked for.
 */
public final class AmiEvents {
    private AmiEvents() { }

    /** Fields every channel event carries. */
    public interface ChannelEvent {
        AmiMessage message();

        default String channel() { return message().get("Channel"); }

        default String uniqueId() { return message().get("Uniqueid"); }

        default String linkedId() { return message().get("Linkedid"); }

        default String callerIdNum() { return message().get("CallerIDNum"); }

        default String callerIdName() { return message().get("CallerIDName"); }

        /** Numeric channel state (4 Ring, 5 Ringing, 6 Up, ...), -1 when absent. */
        default int channelState() { return message().getInt("ChannelState", -1); }

        default String channelStateDesc() { return message().get("ChannelStateDesc"); }

        default String context() { return message().get("Context"); }

        default String exten() { return message().get("Exten"); }
    }

    public record Newchannel(AmiMessage message) implements ChannelEvent { }

    public record Newstate(AmiMessage message) implements ChannelEvent { }

    public record Hangup(AmiMessage message) implements ChannelEvent {
        /** Q.850 cause, e.g. 16 normal clearing; -1 when absent. */
        public int cause() { return message.getInt("Cause", -1); }

        public String causeText() { return message.get("Cause-txt"); }
    }

    /** DTMFBegin or DTMFEnd. */
    public record Dtmf(AmiMessage message) implements ChannelEvent {
        public char digit() {
            String d = message.get("Digit");
            return d == null || d.isEmpty() ? '\0' : d.charAt(0);
        }

        public boolean isEnd() { return message.isEvent("DTMFEnd"); }

        /** {@code Received} (from the caller) or {@code Sent}. */
        public String direction() { return message.get("Direction"); }

        public boolean received() { return message.is("Direction", "Received"); }

        /** Only on DTMFEnd; -1 otherwise. */
        public int durationMs() { return message.getInt("DurationMs", -1); }
    }

    public record VarSet(AmiMessage message) implements ChannelEvent {
        public String variable() { return message.get("Variable"); }

        public String value() { return message.get("Value"); }
    }

    /** The caller side ({@code Channel}) may be absent, e.g. when Originate dials. */
    public record DialBegin(AmiMessage message) implements ChannelEvent {
        public String destChannel() { return message.get("DestChannel"); }

        public String destUniqueId() { return message.get("DestUniqueid"); }

        public String dialString() { return message.get("DialString"); }
    }

    public record DialEnd(AmiMessage message) implements ChannelEvent {
        public String destChannel() { return message.get("DestChannel"); }

        public String destUniqueId() { return message.get("DestUniqueid"); }

        /** ANSWER, BUSY, NOANSWER, CANCEL, CONGESTION, CHANUNAVAIL... */
        public String dialStatus() { return message.get("DialStatus"); }
    }

    public record OriginateResponse(AmiMessage message) implements ChannelEvent {
        public boolean success() { return message.is("Response", "Success"); }

        /** 4 answered, 0 failed, 1 hung up, 3 ring timeout, 5 busy, 8 congestion. */
        public int reason() { return message.getInt("Reason", -1); }

        public String actionId() { return message.actionId(); }
    }

    /** A channel entered {@code AGI(agi:async)}; {@link #environment()} decodes the url-encoded {@code Env}. */
    public record AsyncAgiStart(AmiMessage message) implements ChannelEvent {
        public AgiEnvironment environment() { return AgiEnvironment.parse(urlDecode(message.get("Env", ""))); }
    }

    /** Result of one AsyncAGI command; note Asterisk spells the key {@code CommandId}. */
    public record AsyncAgiExec(AmiMessage message) implements ChannelEvent {
        public String commandId() { return message.get("CommandId"); }

        /** The decoded reply text, e.g. {@code 200 result=0\n}. */
        public String result() { return urlDecode(message.get("Result", "")); }

        public AgiReply reply() { return AgiReply.parse(result()); }
    }

    public record AsyncAgiEnd(AmiMessage message) implements ChannelEvent { }

    /** Decodes Asterisk's url-encoding ({@code %20}, {@code %0A}; a literal {@code +} stays a plus). */
    public static String urlDecode(String s) {
        if (s.indexOf('%') < 0) return s;
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static final Map<Class<?>, Function<AmiMessage, ?>> FACTORIES = Map.ofEntries(
            Map.entry(Newchannel.class, Newchannel::new), Map.entry(Newstate.class, Newstate::new),
            Map.entry(Hangup.class, Hangup::new), Map.entry(Dtmf.class, Dtmf::new), Map.entry(VarSet.class, VarSet::new),
            Map.entry(DialBegin.class, DialBegin::new), Map.entry(DialEnd.class, DialEnd::new),
            Map.entry(OriginateResponse.class, OriginateResponse::new), Map.entry(AsyncAgiStart.class, AsyncAgiStart::new),
            Map.entry(AsyncAgiExec.class, AsyncAgiExec::new), Map.entry(AsyncAgiEnd.class, AsyncAgiEnd::new));

    /** True if {@code m} is the event behind {@code type} (Dtmf matches DTMFBegin and DTMFEnd). */
    public static boolean matches(Class<?> type, AmiMessage m) {
        if (!m.isEvent()) return false;
        if (type == Dtmf.class) return m.isEvent("DTMFBegin") || m.isEvent("DTMFEnd");
        if (type == AsyncAgiStart.class) return m.isEvent("AsyncAGIStart");
        if (type == AsyncAgiExec.class) return m.isEvent("AsyncAGIExec");
        if (type == AsyncAgiEnd.class) return m.isEvent("AsyncAGIEnd");
        return FACTORIES.containsKey(type) && m.isEvent(type.getSimpleName());
    }

    /** Wraps {@code m} as {@code type}; the caller checks {@link #matches} first. */
    public static <T> T as(Class<T> type, AmiMessage m) {
        Function<AmiMessage, ?> f = FACTORIES.get(type);
        if (f == null) throw new IllegalArgumentException("no typed view " + type.getName());
        return type.cast(f.apply(m));
    }
}
