/*
 * ring_test.cpp
 *	  The MPSC ring: order per producer, no loss or duplication under
 *	  concurrent producers, full-ring refusal, wrap-around.
 */
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "ztsdb/core/ring.h"

using namespace ztsdb::core;

namespace {

struct RingBuf
{
	std::vector<uint64_t> mem;
	Ring	   *ring;

	RingBuf(uint64_t nslots, uint64_t slot_bytes)
		: mem(RingShmemSize(nslots, slot_bytes) / 8 + 16)
	{
		/* align to 64 as shared memory would be */
		auto		addr = reinterpret_cast<uintptr_t>(mem.data());
		addr = (addr + 63) & ~uintptr_t{63};
		ring = RingInit(reinterpret_cast<void *>(addr), nslots, slot_bytes);
	}
};

} // namespace

TEST(Ring, EmptyThenFullThenDrains)
{
	RingBuf		rb(4, 16);
	uint64_t	pos;
	uint32_t	len;

	EXPECT_TRUE(RingEmpty(rb.ring));
	EXPECT_EQ(RingPeek(rb.ring, &len, &pos), nullptr);
	for (uint64_t i = 0; i < 4; i++)
	{
		uint8_t    *p = RingTryClaim(rb.ring, &pos);

		ASSERT_NE(p, nullptr);
		EXPECT_EQ(pos, i);
		memcpy(p, &i, sizeof(i));
		RingPublish(rb.ring, pos, sizeof(i));
	}
	EXPECT_EQ(RingTryClaim(rb.ring, &pos), nullptr) << "a full ring refuses";
	for (uint64_t i = 0; i < 4; i++)
	{
		const uint8_t *p = RingPeek(rb.ring, &len, &pos);
		uint64_t	v;

		ASSERT_NE(p, nullptr);
		EXPECT_EQ(len, sizeof(v));
		EXPECT_EQ(pos, i);
		memcpy(&v, p, sizeof(v));
		EXPECT_EQ(v, i);
		RingRelease(rb.ring);
	}
	EXPECT_TRUE(RingEmpty(rb.ring));
	ASSERT_NE(RingTryClaim(rb.ring, &pos), nullptr) << "slots are reusable after release";
	EXPECT_EQ(pos, 4u);
}

TEST(Ring, UnpublishedSlotBlocksConsumer)
{
	RingBuf		rb(8, 8);
	uint64_t	p0, p1;
	uint32_t	len;
	uint64_t	pos;

	ASSERT_NE(RingTryClaim(rb.ring, &p0), nullptr);
	ASSERT_NE(RingTryClaim(rb.ring, &p1), nullptr);
	RingPublish(rb.ring, p1, 1);
	EXPECT_EQ(RingPeek(rb.ring, &len, &pos), nullptr) << "order is claim order";
	RingPublish(rb.ring, p0, 2);
	ASSERT_NE(RingPeek(rb.ring, &len, &pos), nullptr);
	EXPECT_EQ(pos, p0);
	EXPECT_EQ(len, 2u);
}

TEST(Ring, ConcurrentProducersLoseNothing)
{
	constexpr int kProducers = 4;
	constexpr uint64_t kPerProducer = 20000;
	RingBuf		rb(16, 16);
	std::atomic<int> done{0};
	std::vector<std::thread> threads;

	for (int t = 0; t < kProducers; t++)
		threads.emplace_back([&, t] {
			for (uint64_t i = 0; i < kPerProducer; i++)
			{
				uint64_t	pos;
				uint8_t    *p;

				while ((p = RingTryClaim(rb.ring, &pos)) == nullptr)
					std::this_thread::yield();
				uint64_t	v[2] = {static_cast<uint64_t>(t), i};

				memcpy(p, v, sizeof(v));
				RingPublish(rb.ring, pos, sizeof(v));
			}
			done++;
		});

	std::vector<uint64_t> next(kProducers, 0);
	uint64_t	received = 0;
	uint64_t	expect_pos = 0;

	while (received < kProducers * kPerProducer)
	{
		uint32_t	len;
		uint64_t	pos;
		const uint8_t *p = RingPeek(rb.ring, &len, &pos);

		if (p == nullptr)
		{
			std::this_thread::yield();
			continue;
		}
		uint64_t	v[2];

		ASSERT_EQ(len, sizeof(v));
		ASSERT_EQ(pos, expect_pos++);
		memcpy(v, p, sizeof(v));
		ASSERT_LT(v[0], static_cast<uint64_t>(kProducers));
		ASSERT_EQ(v[1], next[v[0]]) << "each producer's records arrive once, in order";
		next[v[0]]++;
		RingRelease(rb.ring);
		received++;
	}
	for (auto &th : threads)
		th.join();
	EXPECT_EQ(done.load(), kProducers);
	EXPECT_TRUE(RingEmpty(rb.ring));
}
