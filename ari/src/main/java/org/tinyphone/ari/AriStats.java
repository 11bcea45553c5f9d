package org.tinyphone.ari;

/**
 * Counters of one client or outbound server since it started.
 *
 * @param events         messages decoded as events
 * @param malformed      messages that were not JSON objects with a {@code type}, or a known type in an impossible shape, or binary
 * @param oversized      messages over the size limit, dropped
 * @param unknownTypes   events of a type without a record (delivered as {@link AriEvent.Other})
 * @param unknownChannel events about a channel that is not a call here (delivered to event listeners only)
 * @param dropped        events dropped because a call's or listener's queue was full
 * @param callsStarted   calls whose {@link StasisApp} was started
 * @param callsInStasis  calls now running
 * @param reconnects     times the connection came back after being lost
 * @param restTimeouts   REST requests that got no answer in time
 * @param restNoAnswer   REST requests that got no answer: not connected, the connection refused or lost
 * @param restErrors     REST answers with a status that is not 2xx (a variable's "not set" 404 is no failure)
 * @param restBadAnswers 2xx REST answers that were not the result asked for
 */
public record AriStats(long events, long malformed, long oversized, long unknownTypes, long unknownChannel, long dropped,
                       long callsStarted, int callsInStasis, long reconnects,
                       long restTimeouts, long restNoAnswer, long restErrors, long restBadAnswers) {}
