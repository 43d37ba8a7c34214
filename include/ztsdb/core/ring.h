/*-------------------------------------------------------------------------
 *
 * ring.h
 *	  Bounded multi-producer single-consumer ring of fixed-size slots.
 *
 * Backends (producers) hand batch records to the writer (the one consumer)
 * through this ring in shared memory.  It is Vyukov's bounded queue: every
 * slot carries a sequence number that says whose turn it is, so producers
 * never take a lock, and a producer that finds the ring full gets false
 * back and waits on a condition variable outside this file.
 *
 * Who writes what:
 *	enqueue_pos	producers, by compare-and-swap (claims a slot)
 *	dequeue_pos	the consumer only
 *	slot.seq	the producer that claimed the slot (pos + 1: "published"),
 *				then the consumer (pos + nslots: "free for the next lap")
 *	slot payload	the claiming producer, between claim and publish
 * The acquire/release pairs on slot.seq order the payload bytes; the
 * positions are 64-bit and never wrap in practice.
 *
 * The struct lives in shared memory, carved by RingShmemSize/RingInit, and
 * holds only atomics and integers (no pointers), so it works at whatever
 * address each process maps it.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>

namespace ztsdb::core {

static_assert(std::atomic<uint64_t>::is_always_lock_free,
			  "the ring needs lock-free 64-bit atomics in shared memory");

struct RingSlot
{
	std::atomic<uint64_t> seq;
	uint32_t	len;			/* payload bytes, set before publishing */
	uint32_t	reserved;
	/* slot_bytes of payload follow, 8-byte aligned */
};

struct Ring
{
	uint64_t	nslots;			/* power of two, fixed at init */
	uint64_t	slot_bytes;		/* payload capacity of one slot */
	alignas(64) std::atomic<uint64_t> enqueue_pos;
	alignas(64) std::atomic<uint64_t> dequeue_pos;
	alignas(64) char slots[];	/* nslots * (sizeof(RingSlot) + slot_bytes) */
};

inline size_t
RingStride(uint64_t slot_bytes)
{
	return sizeof(RingSlot) + ((slot_bytes + 7) & ~uint64_t{7});
}

/* RingShmemSize returns the bytes a ring of these dimensions occupies. */
inline size_t
RingShmemSize(uint64_t nslots, uint64_t slot_bytes)
{
	return sizeof(Ring) + nslots * RingStride(slot_bytes);
}

inline RingSlot *
RingSlotAt(Ring *ring, uint64_t pos)
{
	return reinterpret_cast<RingSlot *>(ring->slots +
										(pos & (ring->nslots - 1)) * RingStride(ring->slot_bytes));
}

inline uint8_t *
RingPayload(RingSlot *slot)
{
	return reinterpret_cast<uint8_t *>(slot + 1);
}

/* RingInit formats memory of RingShmemSize bytes; nslots must be a power of two. */
inline Ring *
RingInit(void *mem, uint64_t nslots, uint64_t slot_bytes)
{
	Ring	   *ring = static_cast<Ring *>(mem);

	ring->nslots = nslots;
	ring->slot_bytes = (slot_bytes + 7) & ~uint64_t{7};
	ring->enqueue_pos.store(0, std::memory_order_relaxed);
	ring->dequeue_pos.store(0, std::memory_order_relaxed);
	for (uint64_t i = 0; i < nslots; i++)
	{
		RingSlot   *slot = RingSlotAt(ring, i);

		new (&slot->seq) std::atomic<uint64_t>(i);
		slot->len = 0;
		slot->reserved = 0;
	}
	return ring;
}

/*
 * RingTryClaim claims the next free slot for a producer and returns its
 * payload, or nullptr when the ring is full.  *pos receives the slot's
 * position (monotonic over the ring's life), which RingPublish needs and
 * which the writer reports back as progress.
 */
inline uint8_t *
RingTryClaim(Ring *ring, uint64_t *pos)
{
	uint64_t	p = ring->enqueue_pos.load(std::memory_order_relaxed);

	for (;;)
	{
		RingSlot   *slot = RingSlotAt(ring, p);
		uint64_t	seq = slot->seq.load(std::memory_order_acquire);
		int64_t		dif = static_cast<int64_t>(seq) - static_cast<int64_t>(p);

		if (dif == 0)
		{
			if (ring->enqueue_pos.compare_exchange_weak(p, p + 1, std::memory_order_relaxed))
			{
				*pos = p;
				return RingPayload(slot);
			}
			/* p was reloaded by the failed CAS */
		}
		else if (dif < 0)
			return nullptr;		/* the consumer has not freed this slot yet */
		else
			p = ring->enqueue_pos.load(std::memory_order_relaxed);
	}
}

/* RingPublish hands the claimed slot at pos, holding len bytes, to the consumer. */
inline void
RingPublish(Ring *ring, uint64_t pos, uint32_t len)
{
	RingSlot   *slot = RingSlotAt(ring, pos);

	slot->len = len;
	slot->seq.store(pos + 1, std::memory_order_release);
}

/*
 * RingPeek returns the payload of the oldest published slot and its length,
 * or nullptr when the next slot is not published yet.  Consumer only.
 */
inline const uint8_t *
RingPeek(Ring *ring, uint32_t *len, uint64_t *pos)
{
	uint64_t	p = ring->dequeue_pos.load(std::memory_order_relaxed);
	RingSlot   *slot = RingSlotAt(ring, p);

	if (slot->seq.load(std::memory_order_acquire) != p + 1)
		return nullptr;
	*len = slot->len;
	*pos = p;
	return RingPayload(slot);
}

/* RingEmpty tells whether the consumer has nothing published to read. */
inline bool
RingEmpty(Ring *ring)
{
	uint64_t	p = ring->dequeue_pos.load(std::memory_order_relaxed);

	return RingSlotAt(ring, p)->seq.load(std::memory_order_acquire) != p + 1;
}

/* RingRelease frees the slot RingPeek returned.  Consumer only. */
inline void
RingRelease(Ring *ring)
{
	uint64_t	p = ring->dequeue_pos.load(std::memory_order_relaxed);

	RingSlotAt(ring, p)->seq.store(p + ring->nslots, std::memory_order_release);
	ring->dequeue_pos.store(p + 1, std::memory_order_release);
}

} // namespace ztsdb::core

#include "ztsdb/core/core_guard.h"
