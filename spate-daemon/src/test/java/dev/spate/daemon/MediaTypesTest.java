package dev.spate.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MediaTypesTest {
    @Test
    void commonMediaGetTheirTypesWhateverTheCaseOfTheExtension() {
        assertThat(MediaTypes.of("Show/S01E01.mkv")).isEqualTo("video/x-matroska");
        assertThat(MediaTypes.of("film.MP4")).isEqualTo("video/mp4");
        assertThat(MediaTypes.of("a/b/track.flac")).isEqualTo("audio/flac");
        assertThat(MediaTypes.of("subs.srt")).isEqualTo("application/x-subrip");
        assertThat(MediaTypes.of("cover.jpg")).isEqualTo("image/jpeg");
    }

    @Test
    void typesABrowserWouldRunAreNeverGiven() {
        for (String active : new String[] {"index.html", "x.htm", "x.xhtml", "image.svg", "feed.xml", "app.js",
                "style.css", "page.mhtml"}) {
            assertThat(MediaTypes.of(active)).as(active).isEqualTo(MediaTypes.OCTET_STREAM);
        }
    }

    @Test
    void namesWithoutAnExtensionAreOctetStreams() {
        assertThat(MediaTypes.of("README")).isEqualTo(MediaTypes.OCTET_STREAM);
        assertThat(MediaTypes.of(".mkv")).isEqualTo(MediaTypes.OCTET_STREAM);
        assertThat(MediaTypes.of("dir.mkv/file")).isEqualTo(MediaTypes.OCTET_STREAM);
        assertThat(MediaTypes.of("trailing.")).isEqualTo(MediaTypes.OCTET_STREAM);
    }

    @Test
    void onlyVideoAndAudioArePlayable() {
        assertThat(MediaTypes.playable(MediaTypes.of("a.mkv"))).isTrue();
        assertThat(MediaTypes.playable(MediaTypes.of("a.mp3"))).isTrue();
        assertThat(MediaTypes.playable(MediaTypes.of("a.srt"))).isFalse();
        assertThat(MediaTypes.playable(MediaTypes.of("a.nfo"))).isFalse();
    }
}
