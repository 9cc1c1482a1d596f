package dev.spate.storage;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PieceBuffersTest {
    @Test
    void a_released_buffer_is_handed_out_again_cleared() {
        PieceBuffers pool = new PieceBuffers(64, 4);
        ByteBuffer b = pool.acquire();
        b.put(new byte[10]).limit(20);
        pool.release(b);
        ByteBuffer again = pool.acquire();
        assertThat(again).isSameAs(b);
        assertThat(again.position()).isZero();
        assertThat(again.limit()).isEqualTo(64);
        assertThat(pool.allocated()).isEqualTo(1);
    }

    @Test
    void a_steady_cycle_of_acquire_and_release_allocates_nothing_new() {
        PieceBuffers pool = new PieceBuffers(32, 2);
        for (int i = 0; i < 1000; i++) {
            ByteBuffer a = pool.acquire();
            ByteBuffer b = pool.acquire();
            pool.release(a);
            pool.release(b);
        }
        assertThat(pool.allocated()).isEqualTo(2);
    }

    @Test
    void no_more_than_max_idle_buffers_are_kept() {
        PieceBuffers pool = new PieceBuffers(16, 2);
        ByteBuffer[] out = {pool.acquire(), pool.acquire(), pool.acquire()};
        for (ByteBuffer b : out) {
            pool.release(b);
        }
        assertThat(pool.idle()).isEqualTo(2);
    }

    @Test
    void a_buffer_from_elsewhere_is_refused() {
        PieceBuffers pool = new PieceBuffers(16, 2);
        assertThatThrownBy(() -> pool.release(ByteBuffer.allocate(15))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pool.release(ByteBuffer.allocateDirect(16))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void a_direct_pool_hands_out_direct_buffers() {
        PieceBuffers pool = new PieceBuffers(16, 1, true);
        assertThat(pool.acquire().isDirect()).isTrue();
    }

    @Test
    void trimming_lets_go_of_the_idle_buffers_and_the_pool_still_works() {
        PieceBuffers pool = new PieceBuffers(1024, 8);
        java.nio.ByteBuffer a = pool.acquire();
        java.nio.ByteBuffer b = pool.acquire();
        pool.release(a);
        pool.release(b);
        org.assertj.core.api.Assertions.assertThat(pool.idle()).isEqualTo(2);

        pool.trim();

        org.assertj.core.api.Assertions.assertThat(pool.idle()).isZero();
        long allocated = pool.allocated();
        java.nio.ByteBuffer c = pool.acquire();
        org.assertj.core.api.Assertions.assertThat(c).isNotSameAs(a).isNotSameAs(b);
        org.assertj.core.api.Assertions.assertThat(pool.allocated()).isEqualTo(allocated + 1);
        pool.release(c);
        org.assertj.core.api.Assertions.assertThat(pool.idle()).isEqualTo(1);
    }
}
