package org.tinyphone.server.bridge;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What is known about a call when it arrives.
 *
 * @param callId     Asterisk's unique id (the bridge makes it unique among calls in progress)
 * @param callerId   caller id number ("" when unknown, never null)
 * @param callerName caller id name ("" when unknown)
 * @param dnid       the dialed number the call is routed by, in its {@link Numbers#normalize normal form}
 * @param args       the AGI arguments given in the dialplan
 * @param channel    Asterisk channel name ("" when unknown)
 * @param via        which ingress brought the call: fastagi, relay, legacy, audiosocket, asyncagi, ari
 * @param started    when the call arrived
 */
public record CallInfo(String callId, String callerId, String callerName, String dnid, List<String> args,
                       String channel, String via, Instant started) {
    public CallInfo {
        Objects.requireNonNull(callId, "callId");
        if (callId.isBlank()) throw new IllegalArgumentException("callId is blank");
        callerId = callerId == null ? "" : callerId;
        callerName = callerName == null ? "" : callerName;
        dnid = Numbers.normalize(dnid);
        args = args == null ? List.of() : List.copyOf(args);
        channel = channel == null ? "" : channel;
        via = via == null ? "" : via;
        started = started == null ? Instant.now() : started;
    }

    /** The same call under another id. */
    public CallInfo withCallId(String id) {
        return new CallInfo(id, callerId, callerName, dnid, args, channel, via, started);
    }
}
