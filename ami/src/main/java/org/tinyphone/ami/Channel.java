package org.tinyphone.ami;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.tinyphone.ami.codec.AmiMessage;

/**
 * One Asterisk channel (by Uniqueid) as seen through AMI events: name, state, caller id, variables, linked
 * channels, received DTMF; plus the actions that act on it. Kept up to date by {@link ChannelTracker}.
 */
public final class Channel {
    private static final char HUNG_UP = '\uffff';

    private final ChannelTracker owner;
    private final String uniqueId;
    private volatile String name;
    private volatile String linkedId;
    private volatile int state = -1;
    private volatile String stateDesc;
    private volatile String callerIdNum;
    private volatile String callerIdName;
    private volatile String connectedLineNum;
    private volatile String connectedLineName;
    private volatile String context, exten;
    private volatile String priority;
    private volatile String bridgeId;
    private volatile int hangupCause = -1;
    private volatile String hangupCauseText;
    private final CompletableFuture<Channel> hungUp = new CompletableFuture<>();
    private final Map<String, String> variables = Collections.synchronizedMap(new LinkedHashMap<>());
    private final Set<String> dialed = ConcurrentHashMap.newKeySet();
    private final StringBuffer digits = new StringBuffer();
    private final BlockingQueue<Character> dtmf = new LinkedBlockingQueue<>(1024);

    Channel(ChannelTracker owner, String uniqueId) {
        this.owner = owner;
        this.uniqueId = uniqueId;
    }

    public String uniqueId() { return uniqueId; }

    /** Channel name, e.g. {@code PJSIP/100-00000001} (may change on masquerade/rename). */
    public String name() { return name; }

    public String linkedId() { return linkedId; }

    /** 0 Down, 4 Ring, 5 Ringing, 6 Up, ...; -1 unknown. */
    public int state() { return state; }

    public String stateDesc() { return stateDesc; }

    public String callerIdNum() { return callerIdNum; }

    public String callerIdName() { return callerIdName; }

    public String connectedLineNum() { return connectedLineNum; }

    public String connectedLineName() { return connectedLineName; }

    public String context() { return context; }

    public String exten() { return exten; }

    public String priority() { return priority; }

    /** The bridge it is in, or null. */
    public String bridgeId() { return bridgeId; }

    /** Variables seen in VarSet events (and set through {@link #setVar}). */
    public Map<String, String> variables() {
        synchronized (variables) {
            return Map.copyOf(variables);
        }
    }

    public String variable(String name) { return variables.get(name); }

    /** Every digit received so far (DTMFEnd, Direction Received), in order. */
    public String digits() { return digits.toString(); }

    public boolean isHungUp() { return hungUp.isDone(); }

    /** Q.850 cause of the hangup, -1 while up. */
    public int hangupCause() { return hangupCause; }

    public String hangupCauseText() { return hangupCauseText; }

    /** Completes when the channel hangs up. */
    public CompletableFuture<Channel> hangupFuture() { return hungUp.copy(); }

    /**
     * Channels linked to this one: same Linkedid (the call it belongs to), dialed by it or dialing it, or in the
     * same bridge.
     */
    public Set<Channel> linked() { return owner.linkedTo(this); }

    Set<String> dialedIds() { return dialed; }

    /**
     * Waits for the next digit the caller presses (DTMFEnd received); empty on timeout or hangup. Digits pressed
     * before this call are queued and returned first.
     */
    public Optional<Character> awaitDtmf(Duration timeout) {
        try {
            Character c = dtmf.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (c == null) return Optional.empty();
            if (c == HUNG_UP) {
                dtmf.offer(HUNG_UP);          // keep waking later waiters
                return Optional.empty();
            }
            return Optional.of(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /**
     * Collects up to {@code max} digits, stopping early at {@code terminator} (not included; use '\0' for none),
     * hangup, or when {@code timeout} passes without a new digit.
     */
    public String awaitDigits(int max, char terminator, Duration timeout) {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < max) {
            Optional<Character> c = awaitDtmf(timeout);
            if (c.isEmpty() || c.get() == terminator) break;
            sb.append(c.get());
        }
        return sb.toString();
    }

    // ---- actions

    public CompletableFuture<AmiResponse> hangup() {
        return owner.ami().send(AmiAction.of("Hangup").add("Channel", name));
    }

    /** Sends the channel to {@code exten@context} at {@code priority}. */
    public CompletableFuture<AmiResponse> redirect(String context, String exten, int priority) {
        return owner.ami().send(AmiAction.of("Redirect").add("Channel", name).add("Context", context)
                .add("Exten", exten).add("Priority", Integer.toString(priority)));
    }

    public CompletableFuture<AmiResponse> setVar(String variable, String value) {
        return owner.ami().send(AmiAction.of("Setvar").add("Channel", name).add("Variable", variable).add("Value", value));
    }

    public CompletableFuture<AmiResponse> getVar(String variable) {
        return owner.ami().send(AmiAction.of("GetVar").add("Channel", name).add("Variable", variable));
    }

    /** Plays one DTMF digit on the channel. */
    public CompletableFuture<AmiResponse> playDtmf(char digit) {
        return owner.ami().send(AmiAction.of("PlayDTMF").add("Channel", name).add("Digit", String.valueOf(digit)));
    }

    // ---- updated by ChannelTracker on the reader thread

    void apply(AmiMessage m) {
        String v;
        if ((v = m.get("Channel")) != null) name = v;
        if ((v = m.get("Linkedid")) != null) linkedId = v;
        if ((v = m.get("ChannelState")) != null) {
            try {
                state = Integer.parseInt(v);
            } catch (NumberFormatException ignored) {
                // keep the last good state
            }
        }
        if ((v = m.get("ChannelStateDesc")) != null) stateDesc = v;
        if ((v = m.get("CallerIDNum")) != null) callerIdNum = v;
        if ((v = m.get("CallerIDName")) != null) callerIdName = v;
        if ((v = m.get("ConnectedLineNum")) != null) connectedLineNum = v;
        if ((v = m.get("ConnectedLineName")) != null) connectedLineName = v;
        if ((v = m.get("Context")) != null) context = v;
        if ((v = m.get("Exten")) != null) exten = v;
        if ((v = m.get("Priority")) != null) priority = v;
    }

    void varSet(String name, String value) {
        if (name != null) variables.put(name, value == null ? "" : value);
    }

    void digit(char d) {
        digits.append(d);
        dtmf.offer(d);
    }

    void bridge(String id) { bridgeId = id; }

    void hangupEvent(AmiMessage m) {
        hangupCause = m.getInt("Cause", -1);
        hangupCauseText = m.get("Cause-txt");
        dtmf.offer(HUNG_UP);
        hungUp.complete(this);
    }

    @Override
    public String toString() {
        return name + " (" + uniqueId + ", " + stateDesc + ", " + callerIdNum + (isHungUp() ? ", hung up" : "") + ")";
    }
}
