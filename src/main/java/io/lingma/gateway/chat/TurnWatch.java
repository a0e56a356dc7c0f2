package io.lingma.gateway.chat;

/**
 * The caller's side of a running turn: whether its client is still there, and where to hand the turn so a
 * disconnect can abandon it (client-api.md §2.9). Implemented by the HTTP layer; {@link #NONE} for callers without a
 * client connection.
 */
public interface TurnWatch {

    /** A watch whose client never goes away. */
    TurnWatch NONE = new TurnWatch() {
        @Override
        public void attach(UpstreamTurn turn) {
        }

        @Override
        public boolean abandoned() {
            return false;
        }
    };

    /**
     * @param turn the opened turn, cancelled when the client goes away (at once if it already has)
     */
    void attach(UpstreamTurn turn);

    /** @return true once the client went away */
    boolean abandoned();
}
