package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.peer.ScriptedLink;
import dev.spate.wire.Message;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Torrent#recheck()} on the loop, with scripted peers: the peers stay while it runs, a lost
 * piece is asked of them again and refused to them, and pausing or resuming during a recheck
 * takes effect as it ends (the pause's disconnects at once).
 */
class RecheckLoopTest extends TorrentLoopHarness {

    /** Downloads everything from a seed (which then leaves: both are seeds) and attaches a leecher. */
    private ScriptedLink seedingWithALeecher() throws Exception {
        ScriptedLink seed = attach(ScriptedLink.fast(1));
        deliver(seed, Message.HAVE_ALL);
        deliver(seed, Message.UNCHOKE);
        downloadAllFrom(seed);
        awaitState(TorrentState.SEEDING);
        ScriptedLink leecher = attach(ScriptedLink.fast(2));
        deliver(leecher, Message.HAVE_NONE);
        deliver(leecher, Message.INTERESTED);
        // The unchoke may come only after the loop has run again (it failed once, in a full run, when asked at once).
        assertThat(loop.runUntil(() -> leecher.sent.contains(Message.UNCHOKE), WAIT)).as("unchoked; sent %s",
                leecher.sent).isTrue();
        return leecher;
    }

    private List<TorrentState> transitionsFrom(int index) {
        return events.subList(index, events.size()).stream().filter(e -> e instanceof Event.StateChanged)
                .map(e -> ((Event.StateChanged) e).to()).toList();
    }

    private List<Integer> lost() {
        return events.stream().filter(e -> e instanceof Event.PieceLost).map(e -> ((Event.PieceLost) e).piece()).toList();
    }

    /** Runs the loop until the last state change since event {@code mark} is to {@code state}. */
    private void awaitAfter(int mark, TorrentState state) throws InterruptedException {
        assertThat(loop.runUntil(() -> {
            List<TorrentState> t = transitionsFrom(mark);
            return !t.isEmpty() && t.get(t.size() - 1) == state;
        }, WAIT)).as("state %s since the mark; went %s", state, transitionsFrom(mark)).isTrue();
    }

    @Test
    void aCorruptPieceIsLostTheLeecherStaysAndIsRefusedItAndAPeerThatHasItSendsItAgain() throws Exception {
        ScriptedLink leecher = seedingWithALeecher();
        storage.corrupt(0, 5L * PIECE + 1234);
        int mark = events.size();

        torrent.recheck();
        awaitAfter(mark, TorrentState.DOWNLOADING);

        assertThat(transitionsFrom(mark)).containsExactly(TorrentState.CHECKING, TorrentState.DOWNLOADING);
        assertThat(lost()).containsExactly(5);
        TorrentStatus s = torrent.snapshot();
        assertThat(s.piecesVerified()).isEqualTo(PIECES - 1);
        assertThat(s.bytesVerified()).isEqualTo((long) (PIECES - 1) * PIECE);
        assertThat(s.files().get(0).bytesVerified()).isEqualTo((long) (PIECES - 1) * PIECE);
        assertThat(s.verifiedPieces().contains(5)).as("the lost piece is out of the verified set").isFalse();
        assertThat(s.verifiedPieces().count()).isEqualTo(PIECES - 1);
        assertThat(leecher.closed).as("the leecher stays").isNull();

        deliver(leecher, new Message.Request(5, 0, BLOCK));
        assertThat(leecher.sent).as("BEP 6: a piece we no longer have is refused")
                .contains(new Message.Reject(5, 0, BLOCK));
        assertThat(leecher.blocks).noneMatch(b -> b.piece() == 5);

        ScriptedLink other = attach(ScriptedLink.fast(3));
        deliver(other, Message.HAVE_ALL);
        deliver(other, Message.UNCHOKE);
        assertThat(requests(other)).extracting(Message.Request::piece).containsOnly(5);
        serveAll(other);
        awaitAfter(mark, TorrentState.SEEDING);
        assertThat(torrent.snapshot().piecesVerified()).isEqualTo(PIECES);
        assertThat(events.subList(mark, events.size())).contains(new Event.PieceVerified(torrent.hash(), 5),
                new Event.TorrentComplete(torrent.hash()));
    }

    @Test
    void aRecheckThatFindsEverythingSeedsOnWithoutNews() throws Exception {
        ScriptedLink leecher = seedingWithALeecher();
        int mark = events.size();
        torrent.recheck();
        awaitAfter(mark, TorrentState.SEEDING);
        assertThat(transitionsFrom(mark)).containsExactly(TorrentState.CHECKING, TorrentState.SEEDING);
        assertThat(lost()).isEmpty();
        assertThat(events.subList(mark, events.size())).noneMatch(e -> e instanceof Event.TorrentComplete);
        assertThat(leecher.closed).isNull();
    }

    @Test
    void pausedDuringARecheckItDisconnectsAtOnceAndIsPausedWhenTheRecheckEnds() throws Exception {
        ScriptedLink leecher = seedingWithALeecher();
        storage.corrupt(0, 2L * PIECE);
        int mark = events.size();

        torrent.recheck();
        torrent.pause(); // queued behind the recheck: it comes while the disk hashes
        loop.runPending();
        assertThat(leecher.closed).isEqualTo("paused");
        awaitAfter(mark, TorrentState.PAUSED);

        assertThat(transitionsFrom(mark)).containsExactly(TorrentState.CHECKING, TorrentState.PAUSED);
        assertThat(lost()).containsExactly(2);
        assertThat(torrent.snapshot().piecesVerified()).isEqualTo(PIECES - 1);

        torrent.resume();
        awaitAfter(mark, TorrentState.DOWNLOADING);
    }

    @Test
    void aPausedTorrentRecheckedAndResumedMeanwhileIsActiveWhenItEnds() throws Exception {
        seedingWithALeecher();
        torrent.pause();
        awaitState(TorrentState.PAUSED);
        int mark = events.size();

        torrent.recheck();
        torrent.resume();
        awaitAfter(mark, TorrentState.SEEDING);

        assertThat(transitionsFrom(mark)).containsExactly(TorrentState.CHECKING, TorrentState.SEEDING);
    }

    @Test
    void aPausedTorrentRecheckedStaysPaused() throws Exception {
        seedingWithALeecher();
        torrent.pause();
        awaitState(TorrentState.PAUSED);
        storage.corrupt(0, 0);
        int mark = events.size();

        torrent.recheck();
        awaitAfter(mark, TorrentState.PAUSED);

        assertThat(transitionsFrom(mark)).containsExactly(TorrentState.CHECKING, TorrentState.PAUSED);
        assertThat(lost()).containsExactly(0);
        assertThat(torrent.snapshot().verifiedPieces().count()).isEqualTo(PIECES - 1);
    }

    @Test
    void aSecondRecheckWhileOneRunsIsIgnored() throws Exception {
        seedingWithALeecher();
        int mark = events.size();
        torrent.recheck();
        torrent.recheck();
        awaitAfter(mark, TorrentState.SEEDING);
        loop.runPending();
        assertThat(transitionsFrom(mark)).containsExactly(TorrentState.CHECKING, TorrentState.SEEDING);
    }

    @Test
    void aPieceFoundOnDiskWhileItIsAskedForIsCancelledAnnouncedAndItsLateBlockForgiven() throws Exception {
        ScriptedLink seed = attach(ScriptedLink.fast(1));
        deliver(seed, Message.HAVE_ALL);
        deliver(seed, Message.UNCHOKE);
        assertThat(requests(seed)).isNotEmpty();
        int piece = requests(seed).get(0).piece();
        storage.writePiece(piece, java.nio.ByteBuffer.wrap(payload, piece * PIECE, PIECE).slice()); // put there by someone else
        int mark = events.size();

        torrent.recheck();
        awaitAfter(mark, TorrentState.DOWNLOADING);

        assertThat(lost()).isEmpty();
        assertThat(torrent.snapshot().piecesVerified()).isEqualTo(1);
        assertThat(torrent.snapshot().verifiedPieces().contains(piece)).as("found on disk: in the verified set").isTrue();
        assertThat(seed.sent(Message.Cancel.class)).extracting(Message.Cancel::piece).contains(piece);
        assertThat(seed.sent).contains(new Message.Have(piece));
        serveAll(seed); // every block asked for, those of the piece too: they crossed the cancels on the wire
        // That may have been the last piece (then both are seeds), but never a block "never requested".
        assertThat(seed.closed).as("a block asked for and cancelled is welcome (BEP 6)")
                .isIn(null, "both of us are seeds");
        downloadAllFrom(seed);
        assertThat(torrent.snapshot().piecesVerified()).isEqualTo(PIECES);
    }
}
