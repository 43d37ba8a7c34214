/*-------------------------------------------------------------------------
 *
 * status.h
 *	  The status every core-zone entry point returns.
 *
 * Core functions are noexcept and report failure as a small POD value
 * whose message is a string literal (never freed, never formatted), so the
 * PostgreSQL zone can turn it into an ereport after the call has returned.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include <cstdint>

namespace ztsdb::core {

enum class StatusCode : uint8_t
{
	kOk = 0,
	kCorrupt,			/* input bytes are not a valid encoding */
	kNoSpace,			/* output buffer too small */
	kInvalidArgument,	/* caller passed something impossible */
	kOutOfMemory,		/* std::bad_alloc inside the core */
	kInternal			/* any other exception */
};

struct Status
{
	StatusCode	code;
	const char *message;		/* static string, never NULL */

	bool ok() const { return code == StatusCode::kOk; }
	static constexpr Status Ok() { return {StatusCode::kOk, "ok"}; }
	static constexpr Status Corrupt(const char *m) { return {StatusCode::kCorrupt, m}; }
	static constexpr Status NoSpace(const char *m) { return {StatusCode::kNoSpace, m}; }
	static constexpr Status Invalid(const char *m) { return {StatusCode::kInvalidArgument, m}; }
};

} // namespace ztsdb::core

#include "ztsdb/core/core_guard.h"
