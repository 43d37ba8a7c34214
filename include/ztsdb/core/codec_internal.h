/*-------------------------------------------------------------------------
 *
 * codec_internal.h
 *	  Test hook of the column codecs (core zone).
 *
 *-------------------------------------------------------------------------
 */
#pragma once

namespace ztsdb::core {

/*
 * codec_force, when >= 0, makes EncodeColumn use only that codec (falling
 * back to plain when it does not apply), so tests exercise every codec.
 * Tests only; the server never sets it.
 */
extern int	codec_force;

constexpr int kCodecCount = 8;

} // namespace ztsdb::core

#include "ztsdb/core/core_guard.h"
