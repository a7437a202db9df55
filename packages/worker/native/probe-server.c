/*
 * probe-server: ffprobe's `-show_format -show_streams` for many files, from
 * one process that loads FFmpeg's libraries once (docs/adr/0033).
 *
 * Why: Debian's ffprobe links 215 shared libraries with BIND_NOW, so each
 * start spends about 60 ms of CPU in the dynamic loader before it reads a
 * byte; a one-second job probes twice (input, then output). This process pays
 * that once, then fork()s a child per file: the child inherits the linked
 * libraries, probes, writes JSON and exits. A file that crashes or hangs the
 * demuxer takes the child down, never this process.
 *
 * Protocol, on stdin and stdout:
 *   start   -> "ready <avformat_version> <avcodec_version> <avutil_version> own\n"
 *              ("own": this server takes the requests below that start "own ")
 *   request <- one path per line (the worker sends /proc/<pid>/fd/<n>), or
 *              "own <path>": a file the worker's own encoders wrote, every
 *              stream of it (no byte of the client's bitstream), probed in
 *              this process without a fork (docs/adr/0039)
 *   answer  -> "ok <length>\n" + JSON in ffprobe's shape (only the fields the
 *              worker reads), "fail <length>\n" + the line ffprobe would have
 *              ended its errors with, or "timeout 0\n" (the child was killed).
 * One request at a time; the worker runs as many servers as it needs.
 *
 * The child opens the file as ffprobe does with the worker's inputSafetyArgs:
 * the file protocol only, the demuxers named on the command line only, and
 * scan_all_pmts (ffprobe's default for MPEG-TS).
 *
 * Usage: probe-server <timeout-ms> <format-whitelist>
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/bprint.h>
#include <libavutil/pixdesc.h>

#define MAX_ANSWER (16 * 1024 * 1024)
#define MAX_PATH_LINE 8192

static const char *format_whitelist;

/* A JSON string, escaped: tags and names come from the file and may hold anything. */
static void json_string(AVBPrint *out, const char *text) {
  av_bprint_chars(out, '"', 1);
  for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
    if (*c == '"' || *c == '\\') av_bprintf(out, "\\%c", *c);
    else if (*c < 0x20) av_bprintf(out, "\\u%04x", *c);
    else av_bprint_chars(out, (char)*c, 1);
  }
  av_bprint_chars(out, '"', 1);
}

static void field_string(AVBPrint *out, const char *key, const char *value) {
  av_bprintf(out, ",\"%s\":", key);
  json_string(out, value);
}

/* ffprobe prints times with "%f" and counts with PRId64, all as strings. */
static void field_time(AVBPrint *out, const char *key, int64_t ts, AVRational base) {
  if (ts == AV_NOPTS_VALUE) return;
  av_bprintf(out, ",\"%s\":\"%f\"", key, ts * av_q2d(base));
}

static const char *field_order_name(enum AVFieldOrder order) {
  switch (order) {
    case AV_FIELD_PROGRESSIVE: return "progressive";
    case AV_FIELD_TT: return "tt";
    case AV_FIELD_BB: return "bb";
    case AV_FIELD_TB: return "tb";
    case AV_FIELD_BT: return "bt";
    default: return NULL;
  }
}

/* One stream, as ffprobe 5.1's show_stream words the fields the worker reads. */
static void describe_stream(AVBPrint *out, const AVStream *stream) {
  const AVCodecParameters *par = stream->codecpar;
  const AVCodecDescriptor *codec = avcodec_descriptor_get(par->codec_id);
  av_bprintf(out, "{\"index\":%d", stream->index);
  if (codec) field_string(out, "codec_name", codec->name);
  const char *profile = avcodec_profile_name(par->codec_id, par->profile);
  if (profile) field_string(out, "profile", profile);
  else if (par->profile != FF_PROFILE_UNKNOWN) av_bprintf(out, ",\"profile\":\"%d\"", par->profile);
  const char *type = av_get_media_type_string(par->codec_type);
  if (type) field_string(out, "codec_type", type);
  if (par->codec_type == AVMEDIA_TYPE_VIDEO) {
    if (par->width) av_bprintf(out, ",\"width\":%d", par->width);
    if (par->height) av_bprintf(out, ",\"height\":%d", par->height);
    const char *pix_fmt = av_get_pix_fmt_name(par->format);
    if (pix_fmt) field_string(out, "pix_fmt", pix_fmt);
    const char *order = field_order_name(par->field_order);
    if (order) field_string(out, "field_order", order);
  } else if (par->codec_type == AVMEDIA_TYPE_AUDIO) {
    av_bprintf(out, ",\"sample_rate\":\"%d\"", par->sample_rate);
    av_bprintf(out, ",\"channels\":%d", par->ch_layout.nb_channels);
  } else if (par->codec_type == AVMEDIA_TYPE_SUBTITLE) {
    if (par->width) av_bprintf(out, ",\"width\":%d", par->width);
    if (par->height) av_bprintf(out, ",\"height\":%d", par->height);
  }
  av_bprintf(out, ",\"r_frame_rate\":\"%d/%d\"", stream->r_frame_rate.num, stream->r_frame_rate.den);
  av_bprintf(out, ",\"avg_frame_rate\":\"%d/%d\"", stream->avg_frame_rate.num, stream->avg_frame_rate.den);
  field_time(out, "duration", stream->duration, stream->time_base);
  if (par->bit_rate > 0) av_bprintf(out, ",\"bit_rate\":\"%" PRId64 "\"", par->bit_rate);
  if (par->bits_per_raw_sample > 0) av_bprintf(out, ",\"bits_per_raw_sample\":\"%d\"", par->bits_per_raw_sample);
  av_bprintf(out, ",\"disposition\":{\"attached_pic\":%d}", !!(stream->disposition & AV_DISPOSITION_ATTACHED_PIC));
  const AVDictionaryEntry *bps = av_dict_get(stream->metadata, "BPS", NULL, AV_DICT_MATCH_CASE);
  if (bps) {
    av_bprintf(out, ",\"tags\":{\"BPS\":");
    json_string(out, bps->value);
    av_bprintf(out, "}");
  }
  av_bprintf(out, "}");
}

/* In the child: probes one file and prints its JSON; exit status 0, or 1 and a reason. */
static int probe_file(const char *path, AVBPrint *out) {
  AVFormatContext *context = NULL;
  AVDictionary *options = NULL;
  av_dict_set(&options, "protocol_whitelist", "file", 0);
  av_dict_set(&options, "format_whitelist", format_whitelist, 0);
  av_dict_set(&options, "scan_all_pmts", "1", 0);
  char url[MAX_PATH_LINE + 8];
  snprintf(url, sizeof url, "file:%s", path);
  int err = avformat_open_input(&context, url, NULL, &options);
  av_dict_free(&options);
  if (err >= 0) err = avformat_find_stream_info(context, NULL);
  if (err < 0) {
    /* A no-op after a failed open (which freed it); an own file is probed in the server, which goes on. */
    avformat_close_input(&context);
    char why[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(err, why, sizeof why);
    /* ffprobe's last line names the file and the error, as here. */
    av_bprintf(out, "%s: %s", url, why);
    return 1;
  }
  av_bprintf(out, "{\"streams\":[");
  for (unsigned i = 0; i < context->nb_streams; i++) {
    if (i) av_bprint_chars(out, ',', 1);
    describe_stream(out, context->streams[i]);
  }
  av_bprintf(out, "],\"format\":{");
  json_string(out, "format_name");
  av_bprint_chars(out, ':', 1);
  json_string(out, context->iformat->name);
  field_time(out, "duration", context->duration, AV_TIME_BASE_Q);
  int64_t size = context->pb ? avio_size(context->pb) : -1;
  if (size >= 0) av_bprintf(out, ",\"size\":\"%" PRId64 "\"", size);
  if (context->bit_rate > 0) av_bprintf(out, ",\"bit_rate\":\"%" PRId64 "\"", context->bit_rate);
  av_bprintf(out, "}}");
  avformat_close_input(&context);
  return av_bprint_is_complete(out) ? 0 : 1;
}

static int write_all(int fd, const char *data, size_t length) {
  while (length > 0) {
    ssize_t written = write(fd, data, length);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return -1;
    data += written;
    length -= (size_t)written;
  }
  return 0;
}

static void answer(const char *kind, const char *payload, size_t length) {
  char header[64];
  int n = snprintf(header, sizeof header, "%s %zu\n", kind, length);
  if (write_all(STDOUT_FILENO, header, (size_t)n) < 0 || write_all(STDOUT_FILENO, payload, length) < 0) exit(0);
}

static void fail(const char *fmt, ...) {
  char reason[1024];
  va_list args;
  va_start(args, fmt);
  int n = vsnprintf(reason, sizeof reason, fmt, args);
  va_end(args);
  answer("fail", reason, n < 0 ? 0 : (size_t)(n < (int)sizeof reason ? n : (int)sizeof reason - 1));
}

static int64_t now_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Forks a child for one path and relays what it printed, or why it printed nothing usable. */
static void serve(const char *path, int timeout_ms) {
  int channel[2];
  if (pipe(channel) < 0) {
    fail("probe-server: pipe: %s", strerror(errno));
    return;
  }
  fflush(stdout);
  pid_t child = fork();
  if (child < 0) {
    close(channel[0]);
    close(channel[1]);
    fail("probe-server: fork: %s", strerror(errno));
    return;
  }
  if (child == 0) {
    /* A child outlives nothing: when the server goes (killed by the worker), so does its probe. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1) _exit(1);
    close(channel[0]);
    close(STDIN_FILENO);
    AVBPrint out;
    av_bprint_init(&out, 0, AV_BPRINT_SIZE_UNLIMITED);
    int status = probe_file(path, &out);
    write_all(channel[1], out.str, out.len);
    _exit(status);
  }
  close(channel[1]);
  char *buffer = malloc(MAX_ANSWER);
  size_t length = 0;
  int timed_out = 0, too_long = 0;
  int64_t deadline = now_ms() + timeout_ms;
  for (;;) {
    int64_t left = deadline - now_ms();
    if (left <= 0) {
      timed_out = 1;
      break;
    }
    struct pollfd wait_for = {.fd = channel[0], .events = POLLIN};
    int ready = poll(&wait_for, 1, (int)left);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    ssize_t got = read(channel[0], buffer + length, MAX_ANSWER - length);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    length += (size_t)got;
    if (length == MAX_ANSWER) {
      too_long = 1;
      break;
    }
  }
  close(channel[0]);
  if (timed_out || too_long) kill(child, SIGKILL);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
  if (timed_out) answer("timeout", "", 0);
  else if (too_long) fail("ffprobe printed more than %d bytes", MAX_ANSWER);
  else if (WIFSIGNALED(status)) fail("ffprobe exited with signal %d", WTERMSIG(status));
  else if (WEXITSTATUS(status) == 0) answer("ok", buffer, length);
  else if (length > 0) answer("fail", buffer, length);
  else fail("ffprobe exited with %d", WEXITSTATUS(status));
  free(buffer);
}

/*
 * Probes a file the worker's own encoders wrote, in this process: a fork of a
 * process with FFmpeg's 215 libraries mapped costs about 4 ms of CPU (3.8 to
 * 4.9 ms measured), the probe of a short output under 1 ms (docs/adr/0039). Only for own
 * files: a client's bitstream is probed in a child, where a decoder fault
 * ends with the child. A hang here stops the answer; the worker then kills
 * this server and probes the file with ffprobe.
 */
static void serve_in_process(const char *path) {
  AVBPrint out;
  av_bprint_init(&out, 0, AV_BPRINT_SIZE_UNLIMITED);
  int status = probe_file(path, &out);
  if (!av_bprint_is_complete(&out)) fail("probe-server: out of memory");
  else if (out.len >= MAX_ANSWER) fail("ffprobe printed more than %d bytes", MAX_ANSWER);
  else answer(status == 0 ? "ok" : "fail", out.str, out.len);
  av_bprint_finalize(&out, NULL);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: probe-server <timeout-ms> <format-whitelist>\n");
    return 2;
  }
  int timeout_ms = atoi(argv[1]);
  format_whitelist = argv[2];
  /* The worker started this server; when the worker dies, the server goes with it. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  signal(SIGPIPE, SIG_IGN);
  /* The answer carries the one line that matters (probe_file's); the libraries' own lines would go nowhere. */
  av_log_set_level(AV_LOG_QUIET);
  printf("ready %u %u %u own\n", avformat_version(), avcodec_version(), avutil_version());
  fflush(stdout);
  char line[MAX_PATH_LINE];
  while (fgets(line, sizeof line, stdin)) {
    size_t length = strcspn(line, "\n");
    if (line[length] != '\n') {
      fail("probe-server: path longer than %d bytes", MAX_PATH_LINE - 2);
      int c;
      while ((c = getchar()) != EOF && c != '\n') {}
      continue;
    }
    line[length] = '\0';
    if (strncmp(line, "own ", 4) == 0) serve_in_process(line + 4);
    else serve(line, timeout_ms);
  }
  return 0;
}
