package org.tinyphone.server.bridge;

import java.util.concurrent.CompletableFuture;

/**
 * Implemented by an ingress that can run commands on its call (FastAGI, relay, AsyncAGI).
 * The bridge submits one command at a time per call and waits for its future before the next one.
 * The future should complete with {@link CommandResult#failed} when the call hangs up meanwhile
 * (the bridge also fails it when the call ends, whichever comes first).
 */
@FunctionalInterface
public interface CallControl {
    CompletableFuture<CommandResult> submit(CallCommand command);
}
