/* libb2 expects a configure-generated config.h. wgjs compiles only blake2s-ref.c: its functions
 * keep their plain names (blake2s_init, ...: no implementation suffix, as libb2 without its
 * runtime dispatcher), and byte order comes from -DNATIVE_LITTLE_ENDIAN on little-endian targets. */
#define SUFFIX
