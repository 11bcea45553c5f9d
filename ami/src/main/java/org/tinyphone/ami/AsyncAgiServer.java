package org.tinyphone.ami;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.agi.AgiApp;
import org.tinyphone.agi.AgiEnvironment;
import org.tinyphone.agi.AgiException;
import org.tinyphone.agi.AgiHangupException;
import org.tinyphone.ami.codec.AmiMessage;
import org.tinyphone.ami.event.AmiEvents;

/**
 * Runs an {@link AgiApp} for every call that enters {@code AGI(agi:async)}: each {@code AsyncAGIStart}
 * becomes an {@link AsyncAgiChannel} on its own virtual thread. Route by the AGI arguments
 * ({@code AGI(agi:async,hello)} has {@code args() = [hello]}) or anything in the environment. When the app
 * returns on a live channel, {@code ASYNCAGI BREAK} hands the call back to the dialplan (as closing a FastAGI
 * socket would).
 */
public final class AsyncAgiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AsyncAgiServer.class);

    private final ManagerConnection ami;
    private final Function<AgiEnvironment, AgiApp> router;
    private final Duration maxCommandTime;
    private final Map<String, AsyncAgiChannel> channels = new ConcurrentHashMap<>();
    private final Consumer<AmiMessage> listener = this::onEvent;
    private final Consumer<String> lossHook = this::onLoss;
    private volatile boolean closed;
    private volatile boolean shiftArgs;

    private AsyncAgiServer(ManagerConnection ami, Function<AgiEnvironment, AgiApp> router, Duration maxCommandTime) {
        this.ami = ami;
        this.router = router;
        this.maxCommandTime = maxCommandTime;
    }

    /** Runs {@code app} for every AsyncAGI call on this connection. */
    public static AsyncAgiServer start(ManagerConnection ami, AgiApp app) { return routing(ami, env -> app); }

    /** Runs the app the router picks from the environment (null: the call is left alone, not touched). */
    public static AsyncAgiServer routing(ManagerConnection ami, Function<AgiEnvironment, AgiApp> router) {
        return routing(ami, router, Duration.ofHours(1));
    }

    /** As {@link #routing(ManagerConnection, Function)}; {@code maxCommandTime} bounds one command's wait. */
    public static AsyncAgiServer routing(ManagerConnection ami, Function<AgiEnvironment, AgiApp> router, Duration maxCommandTime) {
        AsyncAgiServer s = new AsyncAgiServer(ami, router, maxCommandTime);
        ami.addInternalListener(s.listener);
        ami.addLossHook(s.lossHook);
        return s;
    }

    /**
     * Routes by name, like FastAGI script paths: {@code AGI(agi:async,ivr,4321)} runs {@code apps.get("ivr")}
     * and the app sees {@code args() = [4321]}, exactly as {@code AGI(agi://host/ivr,4321)} would give it.
     * Calls with no or an unknown name are left alone.
     */
    public static AsyncAgiServer start(ManagerConnection ami, Map<String, AgiApp> apps) {
        Map<String, AgiApp> copy = Map.copyOf(apps);
        AsyncAgiServer s = new AsyncAgiServer(ami, env -> env.args().isEmpty() ? null : copy.get(env.args().get(0)),
                Duration.ofHours(1));
        s.shiftArgs = true;
        ami.addInternalListener(s.listener);
        ami.addLossHook(s.lossHook);
        return s;
    }

    /** The environment without its first argument (the route name), the others renumbered. */
    static AgiEnvironment withoutFirstArg(AgiEnvironment env) {
        List<String> lines = new ArrayList<>();
        env.asMap().forEach((k, v) -> {
            if (!k.startsWith("agi_arg_")) lines.add(k + ": " + v);
        });
        List<String> args = env.args();
        for (int i = 1; i < args.size(); i++) lines.add("agi_arg_" + i + ": " + args.get(i));
        return AgiEnvironment.parse(lines);
    }

    /** Calls currently running an app. */
    public int activeCalls() { return channels.size(); }

    private void onEvent(AmiMessage m) {
        if (m.isEvent("AsyncAGIExec")) {
            AsyncAgiChannel c = channels.get(m.get("Channel", ""));
            if (c != null) c.onExec(new AmiEvents.AsyncAgiExec(m));
        } else if (m.isEvent("AsyncAGIStart")) {
            if (!closed) start(new AmiEvents.AsyncAgiStart(m));
        } else if (m.isEvent("AsyncAGIEnd")) {
            AsyncAgiChannel c = channels.get(m.get("Channel", ""));
            if (c != null) c.onEnd();
        } else if (m.isEvent("Hangup")) {
            AsyncAgiChannel c = channels.get(m.get("Channel", ""));
            if (c != null) c.onHangup();
        }
    }

    private void onLoss(String reason) {
        for (AsyncAgiChannel c : channels.values()) c.onConnectionLost(reason);
    }

    private void start(AmiEvents.AsyncAgiStart e) {
        String name = e.channel();
        AgiEnvironment env;
        try {
            env = e.environment();
        } catch (RuntimeException ex) {
            log.warn("AsyncAGIStart for {} has an unreadable Env ({}); call not handled", name, ex.getMessage());
            return;
        }
        AgiApp app;
        try {
            app = router.apply(env);
        } catch (RuntimeException ex) {
            log.warn("AsyncAGI router failed for {}", name, ex);
            return;
        }
        if (app == null) {
            log.debug("no AsyncAGI app for {} (args {})", name, env.args());
            return;
        }
        AsyncAgiChannel ch = new AsyncAgiChannel(ami, shiftArgs ? withoutFirstArg(env) : env, name, maxCommandTime);
        channels.put(name, ch);
        Thread.ofVirtual().name("asyncagi-" + name).start(() -> run(app, ch));
    }

    private void run(AgiApp app, AsyncAgiChannel ch) {
        try {
            app.run(ch);
        } catch (AgiHangupException e) {
            log.debug("AsyncAGI app on {} ended by hangup: {}", ch.channelName(), e.getMessage());
        } catch (Exception e) {
            log.warn("AsyncAGI app on {} failed", ch.channelName(), e);
        } finally {
            if (!ch.ended() && !ch.isHungUp()) {
                try {
                    ch.asyncAgiBreak();      // hand the call back to the dialplan
                } catch (AgiException e) {
                    log.debug("ASYNCAGI BREAK on {} after the app: {}", ch.channelName(), e.getMessage());
                }
            }
            channels.remove(ch.channelName(), ch);
            if (closed && channels.isEmpty()) ami.removeInternalListener(listener);
        }
    }

    /** Stops taking new calls (running apps go on until they end). */
    @Override
    public void close() {
        closed = true;
        if (channels.isEmpty()) ami.removeInternalListener(listener);
    }
}
