"""Stories: articles about one event are grouped (or named by metadata), stay grouped, and retrieval never
mixes two events."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from chromadb.api.models.Collection import Collection

from index.articles import Article
from index.embedding import E5Embedding
from index.retrieval import HybridRetriever
from index.store import Store
from index.stories import Profile, StoryIndex, group_order, members_by_story, names_in

FLOOD_ID = Article(
    id="flood-id",
    title="Banjir bandang landa Kabupaten Sekar Wangi, 14 warga tewas",
    published="2025-03-11",
    language="id",
    text="Banjir bandang melanda lima desa di Kabupaten Sekar Wangi pada Selasa dini hari.\n"
    "Sedikitnya 14 warga tewas dan 23 lainnya hilang, kata Kepala BPBD Sekar Wangi, Hendra Lubis.\n"
    "Sungai Mantari meluap setelah hujan deras selama dua hari.\n"
    "Sekitar 3.000 warga mengungsi ke gedung sekolah dan masjid di Kecamatan Rantebuni.",
)
FLOOD_EN = Article(
    id="flood-en",
    title="Flash flood in Sekar Wangi kills 21",
    published="2025-03-12",
    language="en",
    text="The death toll from the flash flood in Sekar Wangi regency rose to 21 on Wednesday.\n"
    "Hendra Lubis, head of the Sekar Wangi disaster agency, said 19 people were still missing.\n"
    "The Mantari river burst its banks after two days of heavy rain, flooding five villages.\n"
    "About 3,000 residents sheltered in schools and mosques in Rantebuni district.",
)
ELECTION = Article(
    id="election",
    title="Penghitungan suara Pilkada Tanah Rata: petahana unggul 52 persen",
    published="2025-09-18",
    language="id",
    text="Komisi Pemilihan Umum Provinsi Tanah Rata mulai merekapitulasi suara pada Kamis.\n"
    "Petahana Surya Atmaja unggul dengan 52 persen suara menurut hitung cepat Lembaga Survei Lintas.\n"
    "Sebanyak 21 tempat pemungutan suara harus melakukan pemungutan ulang.\n"
    "Ketua KPU Tanah Rata, Melati Sari, meminta semua pihak menunggu hasil resmi.",
)


@pytest.fixture
def store(tmp_path: Path, embedder: E5Embedding) -> Store:
    return Store.open(embedder, path=tmp_path / "store")


def story_of(store: Store) -> dict[str, str]:
    return {info.id: info.story for info in store.sources()}


def test_articles_about_one_event_are_grouped_in_either_language(store: Store) -> None:
    store.ingest([ELECTION, FLOOD_EN, FLOOD_ID])
    stories = story_of(store)
    assert stories["flood-id"] == stories["flood-en"] != stories["election"]
    listed = store.stories()
    assert [len(s.articles) for s in listed] == [2, 1]
    # Articles of a story are listed by publication date; the story is named after its first article.
    assert [a.id for a in listed[0].articles] == ["flood-id", "flood-en"]
    assert listed[0].id.startswith("banjir-bandang-landa")


def test_a_story_named_in_metadata_wins_over_grouping(store: Store) -> None:
    tagged = Article(**{**FLOOD_EN.__dict__, "story": "sekar-wangi-floods"})
    store.ingest([FLOOD_ID, tagged])
    stories = story_of(store)
    assert stories["flood-en"] == "sekar-wangi-floods" != stories["flood-id"]


def test_stories_stay_as_they_are_when_the_same_files_come_again(store: Store) -> None:
    store.ingest([FLOOD_ID, ELECTION])
    before = story_of(store)
    report = store.ingest([ELECTION, FLOOD_ID, FLOOD_EN])
    after = story_of(store)
    assert report.unchanged == ["election", "flood-id"] and report.added == ["flood-en"]
    assert {k: after[k] for k in before} == before
    assert after["flood-en"] == after["flood-id"]


def test_articles_stored_before_stories_existed_get_one_at_the_next_ingest(store: Store) -> None:
    store.ingest([FLOOD_ID, FLOOD_EN, ELECTION])
    catalogue = store._catalogue
    records = catalogue.get(include=["metadatas"])
    # What a store written by an earlier version holds: no story, no profile.
    catalogue.update(ids=records["ids"], metadatas=[{**m, "story": ""} for m in records["metadatas"]])
    store._profiles.delete(ids=records["ids"])
    assert set(store.story_members()) == {"flood-id", "flood-en", "election"}  # each its own, meanwhile

    report = store.ingest([FLOOD_ID])
    assert report.unchanged == ["flood-id"]
    stories = story_of(store)
    assert stories["flood-id"] == stories["flood-en"] != stories["election"]


def test_retrieval_stays_inside_the_story_the_question_is_about(store: Store) -> None:
    store.ingest([FLOOD_ID, FLOOD_EN, ELECTION])
    retriever = HybridRetriever(store)
    # "21" and "Kamis" also appear in the election article; the question is about the flood.
    found = retriever.retrieve_story("Berapa korban tewas banjir di Sekar Wangi pada Kamis, 21 orang?", k=6)
    assert found.story == story_of(store)["flood-id"]
    assert found.hits and {hit.doc_id for hit in found.hits} <= {"flood-id", "flood-en"}

    election = retriever.retrieve_story("Who leads the vote count in Tanah Rata?", k=6)
    assert {hit.doc_id for hit in election.hits} == {"election"}


def test_names_are_capitalised_words_that_do_not_open_a_sentence() -> None:
    found = names_in("Banjir melanda Sekar Wangi. Kepala BPBD, Hendra Lubis, hadir. Warga mengungsi.")
    assert found == {"sekar", "wangi", "bpbd", "hendra", "lubis"}


def test_a_count_revised_later_is_answered_with_the_latest_figure_and_names_the_earlier(
    store: Store,
) -> None:
    from bot.answer import Answerer

    first = Article(
        id="toll-1",
        title="Banjir Sekar Wangi: 26 orang tewas",
        published="2025-03-13",
        source="Warta Timur",
        story="sekar-wangi",
        text="Banjir bandang di Kabupaten Sekar Wangi menewaskan 26 orang, kata BPBD pada Kamis.\n"
        "Ribuan warga masih mengungsi di sekolah dan masjid.",
    )
    later = Article(
        id="toll-2",
        title="Korban banjir Sekar Wangi bertambah",
        published="2025-03-17",
        source="Harian Tepian",
        story="sekar-wangi",
        text="Jumlah korban tewas banjir bandang di Kabupaten Sekar Wangi bertambah menjadi 33 orang.\n"
        "Tim SAR menemukan tujuh jenazah di Desa Kalomboa pada Senin.",
    )
    store.ingest([first, later, ELECTION])
    answer = Answerer(HybridRetriever(store), None).answer("Berapa orang tewas akibat banjir di Sekar Wangi?")
    assert answer.answered and not answer.conflicts  # an update, not a disagreement
    assert answer.text.startswith("33 orang tewas")
    assert "Laporan sebelumnya (Warta Timur, 2025-03-13) menyebut 26" in answer.text
    assert {c.doc_id for c in answer.citations} == {"toll-1", "toll-2"}


def test_a_question_about_what_the_story_never_mentions_is_declined_saying_so(store: Store) -> None:
    from bot.answer import Answerer

    store.ingest([FLOOD_ID, ELECTION])
    answerer = Answerer(HybridRetriever(store), None)
    declined = answerer.answer("Mengapa bendungan di Sekar Wangi jebol?")
    assert not declined.answered
    assert "“bendungan”, “jebol”" in declined.text and "Banjir bandang landa" in declined.text
    assert answerer.answer("Sungai apa yang meluap di Sekar Wangi?").answered
    # An English question over Indonesian articles shares few words with them: not judged this way.
    assert answerer.answer("Which river burst its banks in Sekar Wangi?").answered


def test_who_published_an_article_is_among_the_words_its_story_uses(store: Store) -> None:
    store.ingest([dataclasses.replace(FLOOD_EN, source="The Wyndmoor Courant"), FLOOD_ID, ELECTION])
    retriever = HybridRetriever(store)
    story = retriever.retrieve_story("Sekar Wangi flood").story
    assert story is not None
    question = "Which newspaper did the Wyndmoor Courant quote about the dam collapse?"
    assert retriever.absent_words(question, story, "en") == ["newspaper", "quote", "collapse"]


class _Replies:
    """A model that answers each call with the next scripted reply."""

    name = "scripted"

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)

    def generate(self, messages, **_: object) -> str:
        return self.replies.pop(0)


def test_a_figure_about_another_count_is_no_answer_to_how_many(store: Store) -> None:
    from bot.answer import Answerer

    houses = Article(
        id="houses",
        title="Banjir Sekar Wangi",
        story="sekar-wangi",
        text="Banjir bandang di Kabupaten Sekar Wangi menewaskan 26 orang, kata BPBD.\n"
        "Sebanyak 1.150 rumah rusak berat di lima desa, menurut Dinas Pekerjaan Umum.",
    )
    store.ingest([houses])
    retriever = HybridRetriever(store)
    # The toll stands in the evidence, but not beside houses: sent back, then the article's own figure
    # of houses answers, with the sentence it stands in.
    answer = Answerer(retriever, _Replies("26 rumah rusak [1].", "Ada 26 rumah yang rusak [1].")).answer(
        "Berapa rumah yang rusak akibat banjir di Sekar Wangi?"
    )
    assert answer.answered and "26" not in answer.text.split("“")[0]
    assert answer.text.startswith("1.150 rumah [1]. Menurut artikel: “Sebanyak 1.150 rumah rusak berat")
    answer = Answerer(retriever, _Replies("Sebanyak 1.150 rumah rusak berat [1].")).answer(
        "Berapa rumah yang rusak akibat banjir di Sekar Wangi?"
    )
    assert answer.answered and answer.text.startswith("Sebanyak 1.150 rumah rusak berat [1]")


def test_articles_giving_different_counts_of_what_is_asked_are_reported_as_differing(store: Store) -> None:
    from bot.answer import Answerer

    agency = Article(
        id="houses-agency",
        title="Banjir Sekar Wangi: ribuan rumah rusak",
        published="2025-03-13",
        story="sekar-wangi",
        language="id",
        text="Banjir bandang melanda lima desa di Kabupaten Sekar Wangi.\n"
        "BPBD Sekar Wangi mencatat 1.150 rumah rusak akibat banjir itu.",
    )
    works = Article(
        id="houses-works",
        title="Sekar Wangi counts flood damage",
        published="2025-03-13",
        story="sekar-wangi",
        language="en",
        text="The public works office in Sekar Wangi said inspectors had counted 860 damaged houses.\n"
        "The office said repairs would begin next month.",
    )
    earlier = Article(
        id="houses-first",
        title="Banjir Sekar Wangi",
        published="2025-03-10",
        story="sekar-wangi",
        language="id",
        text="Data awal BPBD Sekar Wangi mencatat 340 rumah rusak.",
    )
    store.ingest([agency, works, earlier, ELECTION])
    answer = Answerer(HybridRetriever(store), None).answer(
        "Berapa rumah yang rusak akibat banjir di Sekar Wangi?"
    )
    assert len(answer.conflicts) == 1
    # The same day's two counts disagree; the first count, three days before, is news that moved on.
    assert {c.doc_id: c.value for c in answer.conflicts[0].claims} == {
        "houses-agency": 1150,
        "houses-works": 860,
    }
    assert {c.doc_id for c in answer.citations} >= {"houses-agency", "houses-works"}


def test_when_the_model_finds_nothing_but_articles_give_differing_counts_one_of_them_answers(
    store: Store,
) -> None:
    from bot.answer import Answerer

    agency = Article(
        id="h-agency",
        title="Banjir Sekar Wangi",
        published="2025-03-13",
        story="sekar-wangi",
        text="Banjir bandang melanda Kabupaten Sekar Wangi.\n"
        "BPBD mencatat 1.150 rumah rusak akibat banjir itu.",
    )
    works = Article(
        id="h-works",
        title="Sekar Wangi flood damage",
        published="2025-03-13",
        story="sekar-wangi",
        language="en",
        text="Inspectors in Sekar Wangi counted 860 damaged houses, the public works office said.",
    )
    store.ingest([agency, works])
    model = _Replies(*["TIDAK ADA DI ARTIKEL"] * 3)
    answer = Answerer(HybridRetriever(store), model).answer(
        "Berapa rumah yang rusak akibat banjir di Sekar Wangi?"
    )
    assert answer.answered and answer.conflicts
    lead = answer.text.split("“")[0]
    assert ("1.150" in lead) != ("860" in lead)  # one article's own count, quoted; the other in the block
    # Every sentence the disagreement quotes is among the sources.
    quotes = {c.quote for c in answer.citations}
    assert {claim.quote for claim in answer.conflicts[0].claims} <= quotes


def test_a_later_report_supersedes_the_count_the_best_sentences_give(store: Store) -> None:
    from bot.answer import Answerer

    first = Article(
        id="early",
        title="Banjir Sekar Wangi: 26 orang meninggal",
        published="2025-03-13",
        source="Warta Timur",
        story="sekar-wangi",
        text="Jumlah korban meninggal akibat banjir bandang di Kabupaten Sekar Wangi mencapai 26 orang.\n"
        "Korban meninggal banjir bandang Sekar Wangi sebagian besar warga Desa Kalomboa.\n"
        "Banjir bandang Sekar Wangi merusak ratusan rumah.",
    )
    later = Article(
        id="late",
        title="Data korban diperbarui",
        published="2025-03-17",
        source="Harian Tepian",
        story="sekar-wangi",
        text="BPBD memperbarui datanya pada Senin.\n"
        "Dengan tujuh jenazah yang ditemukan, kini 33 orang meninggal.",
    )
    store.ingest([first, later, ELECTION])
    answer = Answerer(HybridRetriever(store), None).answer(
        "Berapa jumlah korban meninggal akibat banjir bandang di Sekar Wangi?"
    )
    assert answer.answered and not answer.conflicts
    assert answer.text.startswith("33 orang")
    assert "Laporan sebelumnya (Warta Timur, 2025-03-13) menyebut 26" in answer.text
    assert {c.doc_id for c in answer.citations} == {"early", "late"}


def test_a_figure_of_something_specific_answers_when_the_model_overlooks_it(store: Store) -> None:
    from bot.answer import Answerer

    article = Article(
        id="ferry",
        title="Kapal tenggelam di Selat Wyndra",
        published="2025-06-15",
        story="ferry",
        text="Kapal penumpang tenggelam di Selat Wyndra pada Minggu malam.\n"
        "Kepala SAR mengatakan dari 38 korban meninggal, 11 di antaranya anak-anak.\n"
        "Pencarian korban hilang dilanjutkan pada Senin.",
    )
    store.ingest([article, ELECTION])
    declining = _Replies(*["TIDAK ADA DI ARTIKEL"] * 4)
    answerer = Answerer(HybridRetriever(store), declining)
    answer = answerer.answer("Berapa anak-anak di antara korban meninggal kapal di Selat Wyndra?")
    assert answer.answered and answer.text.startswith("11 anak-anak [1]. ")
    assert [c.quote for c in answer.citations] == [  # the sentence quoted is the one cited
        "Kepala SAR mengatakan dari 38 korban meninggal, 11 di antaranya anak-anak."
    ]
    # Of people in general, the model's "not in the articles" stands: the figure may count others.
    assert not answerer.answer("Berapa orang yang hilang di Selat Wyndra?").answered


def test_who_gave_a_figure_is_answered_with_each_article_that_credits_someone(store: Store) -> None:
    from bot.answer import Answerer

    police = Article(
        id="police",
        title="Pilkada Tanah Rata aman",
        published="2025-09-17",
        story="pilkada",
        text="Pemungutan suara Pilkada Tanah Rata berjalan aman.\n"
        "Kepala Polda Tanah Rata Irjen Bayu Samudra mengatakan 12.600 personel dikerahkan untuk pengamanan.",
    )
    governor = Article(
        id="governor",
        title="Tanah Rata votes calmly",
        published="2025-09-17",
        story="pilkada",
        language="en",
        text="Voting in Tanah Rata passed without major incidents.\n"
        '"We deployed 12,600 police and soldiers," acting governor Sari Lestari told reporters.',
    )
    store.ingest([police, governor, FLOOD_ID])
    answerer = Answerer(HybridRetriever(store), _Replies(*["TIDAK ADA DI ARTIKEL"] * 2))  # for the last
    answer = answerer.answer("Siapa yang menyebut 12.600 personel dikerahkan di Tanah Rata?")
    assert answer.answered and not answer.conflicts
    assert answer.text.startswith("Angka itu disebut oleh ")
    assert "Irjen Bayu Samudra [" in answer.text and "acting governor Sari Lestari [" in answer.text
    assert {c.doc_id for c in answer.citations} == {"police", "governor"}
    english = answerer.answer("Who said 12,600 personnel were deployed in Tanah Rata?")
    assert english.text.startswith("That figure was given by ")
    # A figure no article gives is not credited to anyone: the model is asked, and finds nothing.
    assert not answerer.answer("Siapa yang menyebut 9.000 personel di Tanah Rata?").answered


def _place_pairwise(index: StoryIndex, placed: list[tuple[str, Profile]], item: Profile) -> str | None:
    """Placement as it was before the matrix: every stored article compared with the new one, story by
    story in the order stories were first stored, the closest passing member deciding."""
    by_story: dict[str, list[Profile]] = {}
    for story, member in placed:
        by_story.setdefault(story, []).append(member)
    best, best_score = None, 0.0
    for story, members in by_story.items():
        score = max(index.same_event(item, member) for member in members)
        if score > best_score:
            best, best_score = story, score
    return best


def _reports(rng: np.random.Generator, events: int, per_event: int) -> list[Profile]:
    """Reports of a few events: centroids around each event's own direction, closer or further (cosines
    about 0.80-0.97 within an event), names mostly from the event's own, dates within or past two weeks."""
    dim = 384
    reports = []
    for event in range(events):
        centre = rng.normal(size=dim)
        centre /= np.linalg.norm(centre)
        own = [f"name{event}x{k}" for k in range(6)]
        for n in range(per_event):
            noise = rng.normal(size=dim)
            vector = centre + rng.uniform(0.15, 0.5) * noise / np.linalg.norm(noise)
            names = set(rng.choice(own, size=int(rng.integers(0, 4)), replace=False))
            names |= (
                {f"name{int(rng.integers(events))}x{int(rng.integers(6))}"} if rng.random() < 0.3 else set()
            )
            day = None if rng.random() < 0.2 else date(2025, 3, 1) + timedelta(days=int(rng.integers(0, 25)))
            reports.append(
                Profile(
                    f"e{event}-{n}",
                    (vector / np.linalg.norm(vector)).astype(np.float32),
                    frozenset(names),
                    day,
                )
            )
    rng.shuffle(reports)  # type: ignore[arg-type]
    return reports


def test_placement_by_matrix_groups_as_comparing_every_pair_did() -> None:
    rng = np.random.default_rng(7)
    index, placed = StoryIndex(), []
    # Two stories whose first members are the same text (metadata named both): a tie, the first stored wins.
    twin = _reports(rng, 1, 1)[0]
    for story in ("tagged-first", "tagged-second"):
        index.add(story, twin)
        placed.append((story, twin))
    assert index.place(dataclasses.replace(twin, doc_id="twin-copy")) == "tagged-first"

    decided_by_names = 0
    for n, item in enumerate(_reports(rng, events=12, per_event=15)):
        expected = _place_pairwise(index, placed, item)
        assert index.place(item) == expected, item.doc_id
        cosines = [float(item.centroid @ m.centroid) for _, m in placed]
        decided_by_names += expected is not None and max(cosines) < index.grouping.cosine_alone
        story = expected or f"story-{n}"
        index.add(story, item)
        placed.append((story, item))
    sizes = sorted(Counter(story for story, _ in placed).values())
    # The corpus exercises every branch: stories joined, stories founded, joins that needed names.
    assert sizes[-1] >= 5 and sizes.count(1) >= 10 and decided_by_names >= 5


class _Reads:
    """Observes chroma reads: how many records each collection handed out by `get`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.records: Counter[str] = Counter()
        original = Collection.get

        def counted(collection: Collection, *args: object, **kwargs: object):
            got = original(collection, *args, **kwargs)
            self.records[collection.name] += len(got["ids"])
            return got

        monkeypatch.setattr(Collection, "get", counted)


def _as_articles(reports: list[Profile]) -> list[Article]:
    return [
        Article(
            id=item.doc_id,
            title=f"Laporan {item.doc_id}",
            text=f"Laporan nomor {item.doc_id} tentang kejadian hari ini.",
            published=item.published.isoformat() if item.published else None,
        )
        for item in reports
    ]


def _profiled(monkeypatch: pytest.MonkeyPatch, reports: list[Profile]) -> list[Profile]:
    """`reports`, made the profiles the store groups their articles by (it still embeds their text)."""
    by_id = {item.doc_id: item for item in reports}
    monkeypatch.setattr("index.store.profile", lambda doc_id, *_: by_id[doc_id])
    return reports


def test_stories_placed_through_the_store_batch_by_batch_are_those_of_one_index_holding_every_article(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    reports = _profiled(monkeypatch, _reports(np.random.default_rng(11), events=12, per_event=15))
    index, expected = StoryIndex(), {}
    runs = (reports[:50], reports[50:120], reports[120:])
    for run in runs:
        articles = _as_articles(run)
        store.ingest(articles, write_batch=16)  # several writes a run, each placed while one is written
        for i in group_order([(a.id, a.published) for a in articles]):
            item = run[i]
            expected[item.doc_id] = index.place(item) or item.doc_id
            index.add(expected[item.doc_id], item)

    grouped = {frozenset(members) for members in members_by_story(story_of(store)).values()}
    assert grouped == {frozenset(members) for members in members_by_story(expected).values()}
    sizes = sorted(len(members) for members in grouped)
    assert sizes[-1] >= 5 and sizes.count(1) >= 10  # stories joined across runs, and founded


def test_adding_articles_reads_the_catalogue_records_and_profiles_near_them_not_the_whole_store(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    reports = _profiled(monkeypatch, _reports(np.random.default_rng(5), events=20, per_event=10))
    store.ingest(_as_articles(reports[:195]))
    reads = _Reads(monkeypatch)
    report = store.ingest(_as_articles(reports[195:]))
    assert len(report.added) == 5
    # Near each new article: the reports of its own event, a few dozen at most of the 195 stored.
    assert reads.records["articles_profiles"] < 100
    assert reads.records["articles_articles"] < 100


def name_counts(store: Store) -> dict[str, int]:
    """name -> the count the store keeps of it."""
    got = store._names._counts.get(include=["metadatas"])
    return {name: int(meta["count"]) for name, meta in zip(got["ids"], got["metadatas"], strict=True)}


def names_of_profiles(store: Store) -> dict[str, int]:
    """name -> how many stored profiles use it, counted from every profile."""
    metadatas = store._profiles.get(include=["metadatas"])["metadatas"]
    return dict(Counter(name for meta in metadatas for name in json.loads(meta["names"])))


def test_name_counts_follow_updates_and_removals_and_heal_after_a_mismatch(store: Store) -> None:
    store.ingest([FLOOD_ID, FLOOD_EN, ELECTION])
    assert name_counts(store) == names_of_profiles(store) and name_counts(store)["lubis"] == 2
    renamed = dataclasses.replace(FLOOD_EN, text=FLOOD_EN.text.replace("Hendra Lubis", "Dewi Anggraini"))
    store.ingest([renamed])
    assert name_counts(store) == names_of_profiles(store)
    assert name_counts(store)["lubis"] == 1 and name_counts(store)["anggraini"] == 1
    store.remove(["election", "flood-id"])
    assert name_counts(store) == names_of_profiles(store) and "lubis" not in name_counts(store)

    # Counts a write left half changed (killed between its profiles and its counts): made again.
    store._names.begin()
    store._names._counts.delete(ids=["anggraini"])
    store.ingest([ELECTION])
    assert name_counts(store) == names_of_profiles(store) and name_counts(store)["anggraini"] == 1


def test_a_new_story_never_takes_the_id_of_a_stored_story_it_is_not_near(store: Store) -> None:
    # A story named in metadata as the flood's title would name it, over an unrelated article.
    store.ingest([dataclasses.replace(ELECTION, story="banjir-bandang-landa-kabupaten-sekar")])
    store.ingest([FLOOD_ID])
    assert story_of(store) == {
        "election": "banjir-bandang-landa-kabupaten-sekar",
        "flood-id": "banjir-bandang-landa-kabupaten-sekar-2",
    }
