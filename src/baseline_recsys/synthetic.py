"""Generate SYNTHETIC Amazon product metadata in McAuley's 2014 format.

Everything this module writes is made up. No line describes a real product: the
ASINs, titles, brands, prices and sales ranks are drawn from a seeded random
generator. Only the *shape* of the data copies the 2014 dumps of McAuley et al.
("Image-based recommendations on styles and substitutes", SIGIR 2015): one Python
dict literal per line, written with ``repr`` so that ``ast.literal_eval`` reads it
back, for example::

    {'asin': 'B00K3X9QTA', 'title': 'Velora Compact Curling Iron, Black',
     'price': 24.99, 'related': {'also_bought': ['B00...', ...],
     'also_viewed': [...], 'bought_together': [...]},
     'salesRank': {'Beauty': 1234}, 'brand': 'Velora',
     'categories': [['Beauty', 'Hair Care', 'Curling Irons']]}

The generator plants structure that a recommender can learn and a test can check:

* top-level categories, each with 2-3 level paths, and brands that belong to them;
* niches inside each category (about ``niche_size`` products that are one kind
  of product, e.g. curling irons, sharing a sub-category and a title noun):
  the co-purchase communities of the real graphs;
* Zipf-like product popularity: popular products fill many related lists;
* related lists that stay mostly inside the product's own niche (90%), then its
  top-level category (3% more), the rest from anywhere by popularity;
* all four relationship kinds (``also_bought``, ``also_viewed``,
  ``bought_together`` with 1-3 entries, ``buy_after_viewing``), and lines whose
  ``related`` is missing or empty;
* as in the real dumps, most ASINs named in related lists have no line of their own.

The niche shares were set from the real graphs, not from any model's score: on
the real Beauty and Cell Phones files 76% and 78% of held-out pairs have a common
neighbour among the training pairs (a model-free measure of how local the graph
is); with niches of 60 products and 90% of relations inside them, the
Electronics-size graph gives 76% (without niches it gave 31%, and no model, not
even one that knows the generator's own probabilities, reached a recall@10 of
0.07 on it). ``benchmarks/README.md`` has the numbers.

Sizes are exact by construction. ``n_products`` products take part in the graph and
``n_pairs`` is the number of distinct undirected pairs ``{a, b}`` (``a != b``) that
the ``also_bought``, ``also_viewed`` and ``bought_together`` lists name, merged over
kinds and directions. ``buy_after_viewing`` lists are drawn from ``also_viewed``, so
they never add a pair. Every product appears in at least one pair whenever
``n_pairs`` allows it.

Generation is vectorised with numpy and written in blocks, so memory grows with the
number of products and pairs held in numpy arrays (about 1 GB for 2 million products
and 27 million pairs), never with Python objects per line or per pair. The same
arguments give byte-identical output; ``.gz`` paths are gzip with a fixed header
time. Files are written atomically (temporary file, then ``os.replace``).

Command line::

    python -m baseline_recsys.synthetic --products 12000 --pairs 40000 \\
        --seed 0 --out data/01_raw/meta_synthetic.json.gz
"""

from __future__ import annotations

import argparse
import gzip
import logging
import math
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

logger = logging.getLogger(__name__)

RELATION_KINDS: tuple[str, ...] = (
    "also_bought",
    "also_viewed",
    "bought_together",
    "buy_after_viewing",
)
"""Relationship kinds, in the key order of the 2014 dumps."""

DEFAULT_METADATA_FRACTION = 0.42
"""Share of products with a line: ~5,000 lines for the 12,000-product sample."""
DEFAULT_WITHIN_CATEGORY = 0.93
DEFAULT_WITHIN_NICHE = 0.9
DEFAULT_NICHE_SIZE = 60
DEFAULT_ZIPF_EXPONENT = 0.85
DEFAULT_EMPTY_RELATED_FRACTION = 0.05
DEFAULT_MAX_RELATED = 100

_MAX_PRODUCTS = 2**31 - 1
_ASIN_SPACE = 36**7  # 'B00' + 7 base-36 digits
_ASIN_MULTIPLIER = 2_654_435_761  # coprime to 36: index -> code is a bijection
_ASIN_OFFSET = 1_234_567_891
_ALPHABET = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)

_BATCH_LIMIT = 4_000_000  # candidate pairs drawn per fill round
_LINES_PER_BLOCK = 16_384
_PROGRESS_EVERY = 100_000
_ENUMERATE_LIMIT = 20_000_000  # enumerate all pairs when a dense request stalls
_NICHE_SIGMA = 0.6  # log-normal spread of the niche shares inside a category
_SUBS = 3  # sub-categories per top-level category in the vocabulary
_NOUNS = 3  # product nouns per sub-category

# Top-level category | sub-category: product nouns | ...  (60 categories)
_VOCABULARY = """
Beauty | Hair Care: hair dryer, curling iron, hair brush | Skin Care: face serum, moisturizer, cleanser | Makeup: lipstick, mascara, eyeliner
Electronics | Headphones: earbud, headset, noise cancelling headphone | Computer Accessories: keyboard, wireless mouse, USB hub | Television & Video: HDMI cable, TV mount, streaming stick
Books | Literature & Fiction: novel, short story collection, poetry anthology | Cookbooks: cookbook, baking guide, recipe journal | History: biography, military history, atlas
Toys & Games | Puzzles: jigsaw puzzle, brain teaser, puzzle cube | Building Toys: building block set, construction kit, marble run | Dolls: fashion doll, baby doll, dollhouse
Kitchen & Dining | Cookware: frying pan, saucepan, dutch oven | Cutlery: chef knife, knife block, paring knife | Small Appliances: blender, toaster, coffee maker
Sports & Outdoors | Camping: tent, sleeping bag, camp stove | Fitness: yoga mat, dumbbell, resistance band | Cycling: bike helmet, bike light, bottle cage
Cell Phones & Accessories | Cases: phone case, wallet case, bumper case | Chargers: car charger, wall charger, charging cable | Screen Protectors: screen protector, privacy film, lens protector
Health & Personal Care | Vitamins: multivitamin, fish oil, vitamin gummy | Oral Care: toothbrush, dental floss, mouthwash | Shaving: razor, shaving cream, beard trimmer
Clothing | Men: T-shirt, hoodie, chino pant | Women: summer dress, cardigan, legging | Accessories: scarf, belt, beanie
Shoes | Running: running shoe, trail shoe, racing flat | Boots: hiking boot, rain boot, ankle boot | Sandals: flip flop, slide sandal, sport sandal
Jewelry | Necklaces: pendant necklace, chain necklace, locket | Rings: silver ring, engagement ring, band ring | Earrings: stud earring, hoop earring, drop earring
Watches | Sport Watches: dive watch, chronograph, fitness watch | Dress Watches: dress watch, automatic watch, quartz watch | Watch Accessories: watch band, watch winder, watch box
Automotive | Car Care: car wax, microfiber towel, tire shine | Interior Accessories: seat cover, floor mat, steering wheel cover | Tools & Equipment: tire gauge, jump starter, socket set
Tools & Home Improvement | Power Tools: cordless drill, circular saw, impact driver | Hand Tools: hammer, screwdriver set, tape measure | Lighting: LED bulb, flashlight, work light
Pet Supplies | Dogs: dog leash, dog bed, chew toy | Cats: cat litter, scratching post, cat tree | Fish & Aquatic Pets: aquarium filter, fish food, aquarium heater
Baby | Feeding: baby bottle, sippy cup, high chair | Diapering: diaper pail, wipe warmer, changing pad | Nursery: crib sheet, baby monitor, swaddle blanket
Office Products | Writing: gel pen, fountain pen, highlighter | Paper: notebook, sticky note, printer paper | Organization: file folder, desk organizer, label maker
Musical Instruments | Guitars: acoustic guitar, guitar string, guitar strap | Keyboards: digital piano, MIDI keyboard, keyboard stand | Drums: drum pad, cymbal, drumstick
Video Games | Consoles: game console, controller, charging dock | PC Gaming: gaming mouse, gaming keyboard, gaming headset | Games: adventure game, racing game, puzzle game
Movies & TV | Drama: drama DVD, box set, Blu-ray | Kids & Family: cartoon DVD, family movie, animated show | Documentary: nature documentary, history documentary, concert film
CDs & Vinyl | Rock: rock album, live album, vinyl record | Jazz: jazz album, jazz compilation, big band record | Classical: symphony recording, opera album, piano sonata
Digital Music | Pop: pop single, remix album, dance track | Hip-Hop: rap album, mixtape, instrumental | Country: country album, bluegrass record, folk song
Grocery & Gourmet Food | Beverages: green tea, ground coffee, sparkling water | Snacks: granola bar, trail mix, potato chip | Pantry: olive oil, pasta sauce, spice blend
Home Decor | Wall Art: canvas print, wall clock, picture frame | Candles: scented candle, candle holder, tealight | Rugs: area rug, door mat, runner rug
Patio, Lawn & Garden | Gardening: garden hose, pruning shear, plant pot | Outdoor Furniture: patio chair, hammock, patio umbrella | Grills: charcoal grill, grill brush, grill cover
Arts, Crafts & Sewing | Painting: acrylic paint, paint brush, canvas panel | Sewing: sewing machine, thread set, fabric scissor | Knitting: yarn, knitting needle, crochet hook
Industrial & Scientific | Lab Supplies: test tube, pipette, beaker | Safety: safety goggle, work glove, ear plug | Fasteners: hex bolt, wood screw, wall anchor
Appliances | Laundry: washing machine, dryer sheet, ironing board | Refrigeration: mini fridge, ice maker, water filter | Vacuums: robot vacuum, stick vacuum, vacuum bag
Camera & Photo | Cameras: mirrorless camera, action camera, instant camera | Lenses: zoom lens, prime lens, lens cap | Tripods: tripod, monopod, camera strap
Computers | Laptops: laptop, laptop sleeve, laptop stand | Storage: external hard drive, USB flash drive, memory card | Networking: Wi-Fi router, ethernet cable, network switch
Software | Productivity: office suite, PDF editor, note taking app | Security: antivirus, password manager, VPN subscription | Design: photo editor, video editor, drawing app
Kindle Store | Kindle eBooks: mystery eBook, romance eBook, thriller eBook | Kindle Accessories: Kindle cover, reading light, eReader sleeve | Periodicals: magazine issue, comic issue, newsletter
Luggage & Travel Gear | Suitcases: carry-on suitcase, checked suitcase, luggage set | Travel Accessories: packing cube, travel pillow, luggage tag | Backpacks: travel backpack, daypack, laptop backpack
Handmade | Home: handmade mug, woven basket, quilt | Jewelry: beaded bracelet, clay earring, handmade pendant | Stationery: greeting card, journal, bookmark
Gift Cards | Occasions: birthday gift card, holiday gift card, thank you card | Restaurants: dining gift card, coffee gift card, pizza gift card | Entertainment: movie gift card, game gift card, music gift card
Prime Video | TV Shows: TV season, TV episode, miniseries | Movies: feature film, indie film, short film | Kids: kids episode, cartoon season, family special
Apps for Android | Games: arcade app, puzzle app, card game app | Utilities: flashlight app, file manager, battery saver | Education: language app, math app, flashcard app
Collectibles & Fine Art | Coins: silver coin, coin album, commemorative coin | Trading Cards: trading card, card sleeve, booster pack | Figurines: porcelain figurine, action figure, statue
Party Supplies | Decorations: balloon, banner, streamer | Tableware: paper plate, party cup, napkin | Costumes: costume, mask, wig
Furniture | Living Room: sofa, coffee table, bookcase | Bedroom: bed frame, nightstand, dresser | Office Furniture: office chair, standing desk, filing cabinet
Bedding & Bath | Bedding: duvet cover, pillow, sheet set | Bath: bath towel, shower curtain, bath mat | Mattresses: memory foam mattress, mattress topper, mattress protector
Household Supplies | Cleaning: dish soap, all purpose cleaner, sponge | Paper Goods: paper towel, toilet paper, facial tissue | Trash: trash bag, trash can, compost bin
Outdoor Recreation | Fishing: fishing rod, fishing reel, tackle box | Hunting: game camera, hunting knife, decoy | Climbing: climbing rope, carabiner, chalk bag
Team Sports | Soccer: soccer ball, shin guard, soccer cleat | Basketball: basketball, basketball hoop, ball pump | Baseball: baseball glove, baseball bat, batting helmet
Water Sports | Swimming: swim goggle, swim cap, kickboard | Surfing: surfboard, surf leash, wetsuit | Kayaking: kayak paddle, dry bag, life jacket
Home Audio | Speakers: bookshelf speaker, bluetooth speaker, soundbar | Receivers: stereo receiver, amplifier, turntable | Audio Accessories: speaker wire, speaker stand, audio cable
Smart Home | Home Security: security camera, video doorbell, smart lock | Smart Lighting: smart bulb, smart plug, light strip | Climate Control: smart thermostat, air purifier, humidifier
Wearable Technology | Fitness Trackers: fitness tracker, heart rate monitor, sleep tracker | Smartwatches: smartwatch, smartwatch band, charging cradle | Virtual Reality: VR headset, VR controller, headset strap
School Supplies | Bags: school backpack, lunch box, pencil case | Art Supplies: crayon, colored pencil, marker set | Classroom: whiteboard, dry erase marker, globe
Magazine Subscriptions | News: news magazine, weekly digest, political review | Hobbies: craft magazine, photography magazine, gardening magazine | Lifestyle: fashion magazine, travel magazine, food magazine
Beer, Wine & Spirits | Wine: red wine, white wine, wine opener | Beer: craft beer, beer glass, growler | Barware: cocktail shaker, whiskey stone, bar spoon
Medical Supplies | First Aid: bandage, first aid kit, antiseptic wipe | Mobility: walking cane, rollator, knee brace | Monitoring: blood pressure monitor, thermometer, pulse oximeter
Grooming | Hair Styling: pomade, hair clipper, comb | Beard Care: beard oil, beard balm, beard comb | Fragrance: cologne, aftershave, deodorant
Kids Crafts | Drawing: sketch pad, crayon set, sidewalk chalk | Modeling: modeling clay, play dough, slime kit | Craft Kits: bead kit, friendship bracelet kit, paint by number kit
Car Electronics | Navigation: GPS navigator, dash cam, backup camera | Car Audio: car stereo, subwoofer, car speaker | Car Accessories: phone mount, FM transmitter, USB car adapter
Marine | Marine Navigation: marine GPS, compass, depth finder | Boat Safety: boat horn, flare kit, throw ring | Maintenance: boat cover, bilge pump, anchor
Electrical | Wiring: extension cord, power strip, wire nut | Switches: light switch, dimmer switch, outlet cover | Batteries: AA battery, battery charger, coin battery
Plumbing | Faucets: kitchen faucet, bathroom faucet, shower head | Pipes: PVC pipe, pipe wrench, plumbing tape | Drains: drain snake, drain cover, plunger
Wildlife | Bird Feeders: bird feeder, bird seed, suet cake | Houses: birdhouse, bat house, bee hotel | Baths: bird bath, heated bird bath, birdbath fountain
Board Games | Strategy: strategy game, war game, chess set | Party Games: trivia game, word game, charades game | Family Games: dice game, tile game, cooperative game
"""

_ADJECTIVES: tuple[str, ...] = (
    "Premium", "Professional", "Classic", "Deluxe", "Compact", "Portable",
    "Ultra", "Everyday", "Heavy Duty", "Lightweight", "Eco", "Essential",
    "Signature", "Original", "Advanced", "Mini", "Travel", "Vintage", "Modern",
    "Durable", "Soft", "Pro", "Easy", "Natural",
)  # fmt: skip
_VARIANTS: tuple[str, ...] = (
    "", "", "", "", ", Black", ", White", ", Blue", ", Red", ", 2 Pack",
    ", 3 Pack", ", Set of 4", " - Large", " - Small", " (New Version)",
    ", 12 Count", ", Gift Edition",
)  # fmt: skip
_ONSETS: tuple[str, ...] = (
    "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t",
    "v", "z", "br", "cr", "dr", "gr", "pr", "tr", "st", "sh", "ch", "bl", "cl",
    "fl", "pl",
)  # fmt: skip
_VOWELS: tuple[str, ...] = (
    "a", "e", "i", "o", "u", "a", "e", "o", "ai", "ea", "io", "ou",
)  # fmt: skip
_CODAS: tuple[str, ...] = ("", "", "", "", "n", "r", "l", "x", "s", "m", "nt", "rk")
_BRAND_SUFFIXES: tuple[str, ...] = (
    "", "", "", "", "", "", " Labs", " Co", " Pro", " Home", " Works", "tech",
)  # fmt: skip

# Share of a line's relations that are listed as also_bought (the rest are
# also_viewed), share of also_bought relations listed in also_viewed too, and the
# distributions of bought_together / buy_after_viewing list lengths.
_P_ALSO_BOUGHT = 0.6
_P_ALSO_VIEWED_TOO = 0.2
_BOUGHT_TOGETHER_LENGTHS = (0, 1, 2, 3)
_BOUGHT_TOGETHER_PROBS = (0.45, 0.3, 0.15, 0.1)
_BUY_AFTER_VIEWING_LENGTHS = (0, 1, 2, 3, 4)
_BUY_AFTER_VIEWING_PROBS = (0.65, 0.1, 0.1, 0.05, 0.1)
_P_REVERSE = 0.35  # a pair between two lines is listed from both ends this often
_P_EMPTY_DICT = 0.2  # of lines without relations, 'related': {} instead of no key
_P_MISSING_TITLE = 0.005
_P_MISSING_PRICE = 0.15
_P_MISSING_BRAND = 0.15
_P_MISSING_RANK = 0.08
_P_SECOND_PATH = 0.1
_P_DEPTH_THREE = 0.75
_P_MODEL_CODE = 0.3


@dataclass(frozen=True)
class GenerationSummary:
    """What :func:`generate_metadata` wrote.

    Attributes:
        path: The file written.
        lines_written: Metadata lines (products with a line of their own).
        lines_without_related: Lines whose ``related`` is missing or empty.
        products: Products in the graph (``n_products``).
        products_in_pairs: Products named in at least one counted pair.
        undirected_pairs: Distinct undirected pairs named by ``also_bought``,
            ``also_viewed`` and ``bought_together`` (both directions merged).
            Exact, not estimated.
        also_bought: Directed ``also_bought`` entries written.
        also_viewed: Directed ``also_viewed`` entries written.
        bought_together: Directed ``bought_together`` entries written.
        buy_after_viewing: Directed ``buy_after_viewing`` entries written.
        categories: Top-level categories used.
        brands: Brands used.
    """

    path: Path
    lines_written: int
    lines_without_related: int
    products: int
    products_in_pairs: int
    undirected_pairs: int
    also_bought: int
    also_viewed: int
    bought_together: int
    buy_after_viewing: int
    categories: int
    brands: int

    @property
    def relations_by_kind(self) -> dict[str, int]:
        """Directed entries written, keyed by relationship kind."""
        return {kind: getattr(self, kind) for kind in RELATION_KINDS}

    def describe(self) -> str:
        """One line for logs."""
        kinds = ", ".join(f"{k}={v:,}" for k, v in self.relations_by_kind.items())
        return (
            f"wrote {self.lines_written:,} SYNTHETIC metadata lines "
            f"({self.lines_without_related:,} without related) to {self.path}: "
            f"{self.products_in_pairs:,}/{self.products:,} products in "
            f"{self.undirected_pairs:,} undirected pairs; {kinds}; "
            f"{self.categories} categories, {self.brands:,} brands"
        )


@dataclass(frozen=True)
class _Vocabulary:
    """Category names, sub-categories and the nouns that titles use."""

    tops: tuple[str, ...]
    subs: tuple[tuple[str, ...], ...]
    nouns: tuple[tuple[tuple[str, ...], ...], ...]


@dataclass(frozen=True)
class _Catalog:
    """Per-product attributes, all numpy arrays indexed by product."""

    category: np.ndarray  # top-level category id
    niche: np.ndarray  # niche id; each category's niches are numbered contiguously
    sub: np.ndarray  # sub-category within the top-level category (the niche's)
    noun: np.ndarray  # noun within the sub-category (the niche's)
    brand: np.ndarray  # global brand id
    pop_rank: np.ndarray  # 0 = most popular
    sales_rank: np.ndarray
    price: np.ndarray
    has_line: np.ndarray  # bool: the product gets a metadata line
    emitter: np.ndarray  # bool: its line lists related products
    brand_names: tuple[str, ...]
    category_names: tuple[str, ...]


# --------------------------------------------------------------------------- helpers


class _Writable(Protocol):
    """A binary stream: an open file or a ``gzip.GzipFile``."""

    def write(self, data: bytes, /) -> int: ...


def _parse_vocabulary(text: str) -> _Vocabulary:
    """Parse the ``top | sub: noun, noun | ...`` table."""
    tops: list[str] = []
    subs: list[tuple[str, ...]] = []
    nouns: list[tuple[tuple[str, ...], ...]] = []
    for row in text.strip().splitlines():
        top, *groups = (part.strip() for part in row.split(" | "))
        tops.append(top)
        names, words = [], []
        for group in groups:
            name, _, listed = group.partition(":")
            names.append(name.strip())
            words.append(tuple(w.strip() for w in listed.split(",")))
        if len(names) != _SUBS or any(len(w) != _NOUNS for w in words):
            raise ValueError(
                f"vocabulary row needs {_SUBS} groups of {_NOUNS}: {row!r}"
            )
        subs.append(tuple(names))
        nouns.append(tuple(words))
    return _Vocabulary(tuple(tops), tuple(subs), tuple(nouns))


_VOCAB = _parse_vocabulary(_VOCABULARY)


def _capitalise(phrase: str) -> str:
    """Upper-case the first letter of each word, keeping acronyms ('USB hub')."""
    return " ".join(w[:1].upper() + w[1:] for w in phrase.split(" "))


def _plural(phrase: str) -> str:
    """Naive English plural of a noun phrase, good enough for category labels."""
    if phrase.endswith("knife"):
        return phrase[:-2] + "ves"
    if phrase.endswith(("s", "x", "z", "ch", "sh")):
        return phrase + "es"
    if phrase.endswith("y") and phrase[-2:-1] not in "aeiou":
        return phrase[:-1] + "ies"
    return phrase + "s"


def default_categories(n_products: int) -> int:
    """Number of top-level categories used when none is given.

    Grows with the logarithm of the catalogue size: 20 up to 10k products, 60 at
    2 million and above.

    Args:
        n_products: Products in the graph.

    Returns:
        The number of top-level categories, between 20 and 60.
    """
    scaled = 20 + 40 * math.log10(max(n_products, 1) / 10_000) / math.log10(200)
    return int(min(60, max(20, round(scaled))))


def asin_codes(indices: np.ndarray) -> np.ndarray:
    """ASINs of product indices: ``'B00'`` and 7 base-36 digits, as ``S10`` bytes.

    The map from index to ASIN is a fixed bijection (an affine permutation of
    ``36**7`` codes), independent of the seed, so index ``i`` always has the same
    ASIN and no two indices share one.

    Args:
        indices: Product indices, ``0 <= i < 36**7``.

    Returns:
        A ``numpy`` array of dtype ``S10``, one ASIN per index.
    """
    codes = (np.asarray(indices, dtype=np.int64) * _ASIN_MULTIPLIER + _ASIN_OFFSET) % (
        _ASIN_SPACE
    )
    chars = np.empty((codes.size, 10), dtype=np.uint8)
    chars[:, 0] = ord("B")
    chars[:, 1:3] = ord("0")
    for position in range(9, 2, -1):
        chars[:, position] = _ALPHABET[codes % 36]
        codes //= 36
    return chars.view("S10").reshape(-1)


def _validate(
    *,
    n_products: int,
    n_pairs: int,
    seed: int,
    metadata_fraction: float,
    n_categories: int | None,
    within_category: float,
    within_niche: float,
    niche_size: int,
    zipf_exponent: float,
    empty_related_fraction: float,
    max_related: int,
) -> None:
    """Raise ``ValueError`` naming the first bad argument."""

    def integer(name: str, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise ValueError(f"{name} must be an integer, got {value!r}")
        return int(value)

    def number(name: str, value: object, low: float, high: float) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float | np.number):
            raise ValueError(f"{name} must be a number, got {value!r}")
        if not (low <= float(value) <= high):
            raise ValueError(f"{name} must be in [{low}, {high}], got {value!r}")

    n = integer("n_products", n_products)
    if not 2 <= n <= _MAX_PRODUCTS:
        raise ValueError(f"n_products must be in [2, {_MAX_PRODUCTS}], got {n}")
    m = integer("n_pairs", n_pairs)
    if m < 1:
        raise ValueError(f"n_pairs must be >= 1, got {m}")
    if m > n * (n - 1) // 2:
        raise ValueError(
            f"n_pairs cannot exceed n_products*(n_products-1)/2 = "
            f"{n * (n - 1) // 2} for n_products={n}, got {m}"
        )
    if integer("seed", seed) < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    number("metadata_fraction", metadata_fraction, 0.0, 1.0)
    if metadata_fraction <= 0:
        raise ValueError(f"metadata_fraction must be > 0, got {metadata_fraction!r}")
    if n_categories is not None:
        c = integer("n_categories", n_categories)
        if not 1 <= c <= n:
            raise ValueError(f"n_categories must be in [1, n_products={n}], got {c}")
    number("within_category", within_category, 0.0, 1.0)
    number("within_niche", within_niche, 0.0, 1.0)
    if within_niche > within_category:
        raise ValueError(
            f"within_niche must be <= within_category={within_category!r} (the "
            f"niche lies inside the category), got {within_niche!r}"
        )
    if integer("niche_size", niche_size) < 1:
        raise ValueError(f"niche_size must be >= 1, got {niche_size}")
    number("zipf_exponent", zipf_exponent, 0.0, 4.0)
    number("empty_related_fraction", empty_related_fraction, 0.0, 0.99)
    if integer("max_related", max_related) < 1:
        raise ValueError(f"max_related must be >= 1, got {max_related}")


def _pair_capacity(n_emitters: int, n_products: int) -> int:
    """Pairs with at least one endpoint among ``n_emitters`` lines that list."""
    e = n_emitters
    return e * (e - 1) // 2 + e * (n_products - e)


def _ranks_within_groups(groups: np.ndarray) -> np.ndarray:
    """0-based position of each element among earlier elements of its group."""
    order = np.argsort(groups, kind="stable")
    ordered = groups[order]
    first = np.searchsorted(ordered, ordered, side="left")
    ranks = np.empty(groups.size, dtype=np.int64)
    ranks[order] = np.arange(groups.size, dtype=np.int64) - first
    return ranks


def _brand_names(rng: np.random.Generator, count: int) -> list[str]:
    """Pronounceable, distinct made-up brand names."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        batch = 2 * (count - len(names)) + 16
        syllables = rng.integers(2, 4, size=batch).tolist()
        onset = rng.integers(0, len(_ONSETS), size=(batch, 3)).tolist()
        vowel = rng.integers(0, len(_VOWELS), size=(batch, 3)).tolist()
        coda = rng.integers(0, len(_CODAS), size=batch).tolist()
        suffix = rng.integers(0, len(_BRAND_SUFFIXES), size=batch).tolist()
        for i in range(batch):
            stem = "".join(
                _ONSETS[onset[i][k]] + _VOWELS[vowel[i][k]] for k in range(syllables[i])
            )
            name = (stem + _CODAS[coda[i]]).capitalize() + _BRAND_SUFFIXES[suffix[i]]
            if name not in seen:
                seen.add(name)
                names.append(name)
                if len(names) == count:
                    break
    return names


# --------------------------------------------------------------------------- catalogue


def _build_catalog(
    rng: np.random.Generator,
    *,
    n_products: int,
    n_pairs: int,
    n_categories: int,
    niche_size: int,
    metadata_fraction: float,
    empty_related_fraction: float,
) -> _Catalog:
    """Draw categories, niches, brands, popularity, prices and who gets a line."""
    n, c = n_products, n_categories
    n_tops = len(_VOCAB.tops)
    names = tuple(
        _VOCAB.tops[k % n_tops] + ("" if k < n_tops else f" {k // n_tops + 1}")
        for k in range(c)
    )
    # Uneven category sizes (Zipf 0.6), in a random order of names.
    shares = rng.permutation((np.arange(c) + 1.0) ** -0.6)
    category = rng.choice(c, size=n, p=shares / shares.sum()).astype(np.int32)
    niche = _draw_niches(rng, category, c, niche_size)
    # A niche is one kind of product: its sub-category and noun are its own.
    n_niches = int(niche.max()) + 1
    sub = rng.integers(0, _SUBS, size=n_niches, dtype=np.int8)[niche]
    noun = rng.integers(0, _NOUNS, size=n_niches, dtype=np.int8)[niche]

    # Brands belong to one category; a few big brands per category.
    sizes = np.bincount(category, minlength=c)
    total_brands = int(min(80_000, max(20, n // 25)))
    per_category = np.maximum(2, np.round(total_brands * sizes / n)).astype(np.int64)
    brand_start = np.concatenate(([0], np.cumsum(per_category)))
    brand_names = tuple(_brand_names(rng, int(brand_start[-1])))
    skew = rng.random(n) ** 2.5
    brand = (
        brand_start[category] + (skew * per_category[category]).astype(np.int64)
    ).astype(np.int32)

    # Popularity: a random permutation of Zipf ranks.
    pop_rank = rng.permutation(n).astype(np.int64)

    # Sales rank: rank by popularity inside the top-level category, with noise.
    order = np.lexsort((pop_rank, category))
    first = np.searchsorted(category[order], np.arange(c))
    rank_in_category = np.empty(n, dtype=np.int64)
    rank_in_category[order] = np.arange(n) - first[category[order]]
    spread = rng.uniform(3.0, 40.0, size=c)
    noise = np.exp(rng.normal(0.0, 0.25, size=n))
    sales_rank = 1 + ((rank_in_category + 1) * spread[category] * noise).astype(
        np.int64
    )

    # Prices: a typical price per category, log-normal around it, shop-like cents.
    typical = np.exp(rng.uniform(np.log(5.0), np.log(90.0), size=c))
    raw = typical[category] * np.exp(rng.normal(0.0, 0.6, size=n))
    cents = np.array([0.99, 0.95, 0.49, 0.0])[rng.integers(0, 4, size=n)]
    price = np.round(np.maximum(np.floor(raw), 0.0) + cents, 2)
    price[price < 0.5] = 0.99

    # Lines: a fraction of products; most of them list related products.
    n_lines = max(1, round(metadata_fraction * n))
    n_emitters = max(1, round((1.0 - empty_related_fraction) * n_lines))
    if _pair_capacity(n_emitters, n) < n_pairs:
        low, high = n_emitters, n
        while low < high:  # fewest emitters that can hold n_pairs pairs
            mid = (low + high) // 2
            if _pair_capacity(mid, n) >= n_pairs:
                high = mid
            else:
                low = mid + 1
        logger.warning(
            "n_pairs=%d needs at least %d products that list related ones; "
            "raising them from %d",
            n_pairs,
            low,
            n_emitters,
        )
        n_lines = min(n, low + n_lines - n_emitters)
        n_emitters = low
    chosen = rng.permutation(n)[:n_lines]
    has_line = np.zeros(n, dtype=bool)
    has_line[chosen] = True
    emitter = np.zeros(n, dtype=bool)
    emitter[chosen[:n_emitters]] = True
    return _Catalog(
        category=category,
        niche=niche,
        sub=sub,
        noun=noun,
        brand=brand,
        pop_rank=pop_rank,
        sales_rank=sales_rank,
        price=price,
        has_line=has_line,
        emitter=emitter,
        brand_names=brand_names,
        category_names=names,
    )


def _draw_niches(
    rng: np.random.Generator, category: np.ndarray, n_categories: int, niche_size: int
) -> np.ndarray:
    """Split every category into niches of about ``niche_size`` products.

    A category of ``m`` products gets ``max(1, round(m / niche_size))`` niches of
    uneven (log-normal) shares; niche ids are contiguous per category, in category
    order. Vectorised: each niche's cumulative share, offset by its category id,
    forms one increasing array that ``searchsorted`` maps ``category + u`` into.

    Returns:
        The niche id of every product (int32).
    """
    sizes = np.bincount(category, minlength=n_categories)
    per_category = np.maximum(1, np.rint(sizes / niche_size)).astype(np.int64)
    niche_category = np.repeat(np.arange(n_categories), per_category)
    share = np.exp(rng.normal(0.0, _NICHE_SIGMA, size=niche_category.size))
    cumulative = np.cumsum(share)
    start = np.concatenate(([0], np.cumsum(per_category)))
    before = np.concatenate(([0.0], cumulative))[start[:-1]]
    totals = cumulative[start[1:] - 1] - before
    edges = niche_category + (
        (cumulative - before[niche_category]) / totals[niche_category]
    )
    edges[start[1:] - 1] = np.arange(1, n_categories + 1)  # exact upper ends
    u = category + rng.random(category.size)
    niche = np.searchsorted(edges, u, side="right")
    return np.clip(niche, start[category], start[category + 1] - 1).astype(np.int32)


# --------------------------------------------------------------------------- graph


def _zipf_ranks(u: np.ndarray, size: np.ndarray | int, exponent: float) -> np.ndarray:
    """Ranks in ``[0, size)`` drawn with probability about ``(rank + 1) ** -exponent``.

    Inverse transform of the continuous power law on ``[1, size + 1)``: a few float
    operations per draw, no search, so millions of draws take milliseconds.
    """
    top = np.asarray(size, dtype=np.float64) + 1.0
    if exponent == 0.0:
        x = 1.0 + u * (top - 1.0)
    elif abs(1.0 - exponent) < 1e-9:
        x = np.exp(u * np.log(top))
    else:
        power = 1.0 - exponent
        x = (1.0 + u * (top**power - 1.0)) ** (1.0 / power)
    return np.clip(x.astype(np.int64) - 1, 0, np.asarray(size) - 1)


class _Samplers:
    """Vectorised draws of targets (by popularity) and sources (by list length)."""

    def __init__(
        self, rng: np.random.Generator, catalog: _Catalog, zipf_exponent: float
    ) -> None:
        n = catalog.category.size
        n_categories = len(catalog.category_names)
        n_niches = int(catalog.niche.max()) + 1
        self.n = n
        self.exponent = zipf_exponent
        self.category = catalog.category
        self.niche = catalog.niche
        # Products by popularity, overall and inside each category and niche.
        self.by_rank = np.argsort(catalog.pop_rank).astype(np.int32)
        self.by_category, self.category_start = _grouped(
            catalog.category, n_categories, catalog.pop_rank
        )
        self.category_size = np.diff(self.category_start)
        self.by_niche, self.niche_start = _grouped(
            catalog.niche, n_niches, catalog.pop_rank
        )
        self.niche_size = np.diff(self.niche_start)
        # Lines that list products, by category and by niche (uniform draws).
        emitters = np.flatnonzero(catalog.emitter).astype(np.int32)
        self.emitters, self.emitter_start = _grouped(
            catalog.category[emitters], n_categories, items=emitters
        )
        self.niche_emitters, self.niche_emitter_start = _grouped(
            catalog.niche[emitters], n_niches, items=emitters
        )
        # Sources drawn by list length: popular products and some random lines list
        # more. A pool repeating each line in proportion to its weight turns a
        # weighted draw into a uniform index.
        weight = np.exp(rng.normal(0.0, 0.7, size=emitters.size)) * (
            (catalog.pop_rank[emitters] + 1.0) ** (-0.25 * zipf_exponent)
        )
        copies = np.maximum(1, np.rint(8.0 * weight / weight.mean())).astype(np.int64)
        self.source_pool = np.repeat(emitters, copies)

    def targets(
        self,
        rng: np.random.Generator,
        src: np.ndarray,
        within_niche: float,
        within: float,
        uniform: bool,
    ) -> np.ndarray:
        """Targets for ``src``: popular ones, mostly from its niche and category.

        With probability ``within_niche`` from the source's niche, else with
        ``within - within_niche`` from its category, else from anywhere; by
        popularity (Zipf) inside the chosen group.
        """
        if uniform:
            return rng.integers(0, self.n, size=src.size, dtype=np.int32)
        out = self.by_rank[_zipf_ranks(rng.random(src.size), self.n, self.exponent)]
        u = rng.random(src.size)
        for mask, group, by_group, start, size in (
            (u < within, self.category, self.by_category, self.category_start,
             self.category_size),
            (u < within_niche, self.niche, self.by_niche, self.niche_start,
             self.niche_size),
        ):  # fmt: skip
            inside = np.flatnonzero(mask)
            g = group[src[inside]]
            ranks = _zipf_ranks(rng.random(inside.size), size[g], self.exponent)
            out[inside] = by_group[start[g] + ranks]
        return out

    def sources(self, rng: np.random.Generator, size: int, uniform: bool) -> np.ndarray:
        """Lines that list products, weighted by list length (or uniformly)."""
        if uniform:
            return self.emitters[rng.integers(0, self.emitters.size, size=size)]
        return self.source_pool[rng.integers(0, self.source_pool.size, size=size)]

    def partners(
        self,
        rng: np.random.Generator,
        products: np.ndarray,
        within_niche: float,
        within: float,
    ) -> np.ndarray:
        """A uniformly drawn listing line for each product, mostly of its niche.

        As in :meth:`targets`: from the product's niche with probability
        ``within_niche``, else its category up to ``within``, else anywhere
        (wherever the group has a listing line).
        """
        out = self.sources(rng, products.size, uniform=True)
        u = rng.random(products.size)
        for mask, group, emitters, start in (
            (u < within, self.category, self.emitters, self.emitter_start),
            (u < within_niche, self.niche, self.niche_emitters,
             self.niche_emitter_start),
        ):  # fmt: skip
            g = group[products]
            low, high = start[g], start[g + 1]
            inside = np.flatnonzero(mask & (high > low))
            span = (high - low)[inside]
            pick = low[inside] + (rng.random(inside.size) * span).astype(np.int64)
            out[inside] = emitters[np.minimum(pick, high[inside] - 1)]
        return out


def _grouped(
    groups: np.ndarray,
    n_groups: int,
    rank: np.ndarray | None = None,
    items: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Items sorted by group (then by ``rank``), and where each group starts.

    Args:
        groups: Group id of each item.
        n_groups: Number of group ids.
        rank: Order inside a group (ascending); stable order when ``None``.
        items: The items (default: their positions ``0..len(groups)-1``).

    Returns:
        ``(ordered, start)``: the items of group ``g`` are
        ``ordered[start[g]:start[g + 1]]``.
    """
    order = (
        np.argsort(groups, kind="stable")
        if rank is None
        else np.lexsort((rank, groups))
    )
    ordered = (order if items is None else items[order]).astype(np.int32)
    start = np.searchsorted(groups[order], np.arange(n_groups + 1))
    return ordered, start


class _PairSet:
    """Distinct undirected pairs, each stored once as a directed relation."""

    def __init__(self, n_products: int, capacity: int) -> None:
        self.n = n_products
        self.keys = np.empty(0, dtype=np.int64)  # sorted min*n + max
        self.src = np.empty(capacity, dtype=np.int32)
        self.tgt = np.empty(capacity, dtype=np.int32)
        self.size = 0
        self.out_degree = np.zeros(n_products, dtype=np.int32)

    def add(
        self, src: np.ndarray, tgt: np.ndarray, limit: int, cap: int | None = None
    ) -> np.ndarray:
        """Keep up to ``limit`` candidates that form new pairs; return their positions.

        Candidates are taken in the given (random) order; self-pairs, repeats and
        pairs already held are skipped, and with ``cap`` so is any candidate whose
        source would then list more than ``cap`` products.
        """
        limit = min(limit, self.src.size - self.size)
        pos = np.flatnonzero(src != tgt)
        if limit <= 0 or pos.size == 0:
            return np.empty(0, dtype=np.int64)
        a = src[pos].astype(np.int64)
        b = tgt[pos].astype(np.int64)
        keys, first = np.unique(
            np.minimum(a, b) * self.n + np.maximum(a, b), return_index=True
        )
        del a, b
        if self.keys.size:  # sorted needles: a fast merge-like search
            at = np.minimum(np.searchsorted(self.keys, keys), self.keys.size - 1)
            fresh = self.keys[at] != keys
            keys, first = keys[fresh], first[fresh]
        order = np.argsort(first)  # back to the random candidate order
        pos, keys = pos[first[order]], keys[order]
        if cap is not None and pos.size:
            s = src[pos]
            fits = self.out_degree[s] + _ranks_within_groups(s) < cap
            pos, keys = pos[fits], keys[fits]
        pos, keys = pos[:limit], keys[:limit]
        end = self.size + pos.size
        self.src[self.size : end] = src[pos]
        self.tgt[self.size : end] = tgt[pos]
        self.size = end
        np.add.at(self.out_degree, src[pos], 1)
        keys.sort()
        merged = np.concatenate((self.keys, keys))
        merged.sort(kind="stable")  # timsort: a linear merge of two sorted runs
        self.keys = merged
        return pos


def _build_pairs(
    rng: np.random.Generator,
    catalog: _Catalog,
    *,
    n_pairs: int,
    within_niche: float,
    within_category: float,
    zipf_exponent: float,
    max_related: int,
) -> _PairSet:
    """Plant exactly ``n_pairs`` distinct undirected pairs (when coverage allows).

    Three phases: every line that lists related products gets one relation; every
    product still in no pair gets one from a line of its own niche or category;
    then pairs are drawn (source by list length, target by popularity, mostly
    inside the source's niche and category) until the count is met.
    """
    n = catalog.category.size
    draw = _Samplers(rng, catalog, zipf_exponent)
    cap = int(min(n - 1, max(max_related, math.ceil(3 * n_pairs / draw.emitters.size))))
    pairs = _PairSet(n, n_pairs)

    # Phase 1: one relation for every line that lists related products.
    pending = np.sort(draw.emitters)
    for attempt in range(64):
        if pending.size == 0 or pairs.size >= n_pairs:
            break
        tgt = draw.targets(
            rng, pending, within_niche, within_category, uniform=attempt >= 4
        )
        kept = pairs.add(pending, tgt, n_pairs - pairs.size)
        done = np.zeros(pending.size, dtype=bool)
        done[kept] = True
        pending = pending[~done]

    # Phase 2: a relation for every product that is still in no pair.
    covered = np.zeros(n, dtype=bool)
    covered[pairs.src[: pairs.size]] = True
    covered[pairs.tgt[: pairs.size]] = True
    for attempt in range(64):
        lonely = rng.permutation(np.flatnonzero(~covered)).astype(np.int32)
        if lonely.size == 0 or pairs.size >= n_pairs:
            break
        partner = (
            draw.partners(rng, lonely, within_niche, within_category)
            if attempt < 4
            else draw.partners(rng, lonely, 0.0, 0.0)
        )
        kept = pairs.add(partner, lonely, n_pairs - pairs.size)
        covered[lonely[kept]] = True
        covered[partner[kept]] = True
    del covered

    # Phase 3: fill up to n_pairs with popularity-weighted, mostly in-category pairs.
    stalled, idle, uniform, rounds, rate = 0, 0, False, 0, 1.0
    while pairs.size < n_pairs:
        rounds += 1
        need = n_pairs - pairs.size
        batch = int(min(_BATCH_LIMIT, max(1024, need * 1.25 / rate)))
        src = draw.sources(rng, batch, uniform)
        tgt = draw.targets(rng, src, within_niche, within_category, uniform)
        kept = pairs.add(src, tgt, need, cap=cap)
        logger.debug(
            "fill round %d: +%d pairs (%d to go)", rounds, kept.size, need - kept.size
        )
        rate = max(kept.size / batch, 1e-4)
        if kept.size >= max(1, batch // 10):
            stalled = idle = 0
            continue
        stalled += 1
        idle = idle + 1 if kept.size == 0 else 0
        if stalled < 3:
            continue
        if n * (n - 1) // 2 <= _ENUMERATE_LIMIT:
            _fill_by_enumeration(rng, pairs, catalog.emitter, n_pairs)
        elif not uniform:
            uniform, stalled = True, 0
        elif idle >= 20:
            raise RuntimeError(
                f"could not place n_pairs={n_pairs} pairs among {n} products "
                f"(placed {pairs.size}); lower n_pairs or raise metadata_fraction"
            )
    return pairs


def _fill_by_enumeration(
    rng: np.random.Generator, pairs: _PairSet, emitter: np.ndarray, n_pairs: int
) -> None:
    """Finish a dense request from the list of every free pair (small graphs only).

    Rows of the pair matrix are visited in chunks, so temporaries stay small; the
    free pairs themselves number at most ``_ENUMERATE_LIMIT``.
    """
    n = pairs.n
    free: list[np.ndarray] = []
    rows = max(1, _BATCH_LIMIT // n)
    columns = np.arange(n, dtype=np.int64)
    for first in range(0, n - 1, rows):
        low = np.arange(first, min(n - 1, first + rows), dtype=np.int64)[:, None]
        allowed = (columns > low) & (emitter[low] | emitter[columns])
        keys = (low * n + columns)[allowed]
        if pairs.keys.size:
            at = np.minimum(np.searchsorted(pairs.keys, keys), pairs.keys.size - 1)
            keys = keys[pairs.keys[at] != keys]
        free.append(keys)
    keys = np.concatenate(free)
    keys = keys[rng.permutation(keys.size)[: n_pairs - pairs.size]]
    low, high = keys // n, keys % n
    flip = ~emitter[low] | (emitter[high] & (rng.random(low.size) < 0.5))
    src = np.where(flip, high, low).astype(np.int32)
    tgt = np.where(flip, low, high).astype(np.int32)
    pairs.add(src, tgt, n_pairs - pairs.size)


def _sorted_relations(
    rng: np.random.Generator, pairs: _PairSet, catalog: _Catalog, max_related: int
) -> tuple[np.ndarray, int]:
    """Directed relations packed as ``src | order | tgt`` int64 keys, sorted.

    Pairs whose target also lists products are listed from both ends with
    probability ``_P_REVERSE`` (room permitting). Within a source, relations are
    ordered by target popularity with noise, most popular first. Frees the pair
    set's arrays as it goes.

    Returns:
        The sorted keys and the bit width of one product index.
    """
    n = pairs.n
    pairs.keys = np.empty(0, dtype=np.int64)
    src = pairs.src[: pairs.size]
    tgt = pairs.tgt[: pairs.size]
    back = np.flatnonzero(catalog.emitter[tgt] & (rng.random(src.size) < _P_REVERSE))
    room = pairs.out_degree[tgt[back]] + _ranks_within_groups(tgt[back]) < max_related
    back = back[room]
    all_src = np.concatenate((src, tgt[back]))
    all_tgt = np.concatenate((tgt, src[back]))
    del src, tgt, back, room
    pairs.src = pairs.tgt = np.empty(0, dtype=np.int32)
    bits = max(1, (n - 1).bit_length())
    score_bits = min(20, 63 - 2 * bits)
    scale = ((1 << score_bits) - 1) / (math.log1p(n) + 4.0)
    keys = np.empty(all_src.size, dtype=np.int64)
    for lo in range(0, keys.size, _BATCH_LIMIT):
        hi = min(keys.size, lo + _BATCH_LIMIT)
        t = all_tgt[lo:hi]
        noise = rng.standard_normal(hi - lo, dtype=np.float32)
        score = np.log1p(catalog.pop_rank[t]).astype(np.float32) + 0.75 * noise
        order = np.clip(score * scale, 0, (1 << score_bits) - 1).astype(np.int64)
        keys[lo:hi] = (all_src[lo:hi].astype(np.int64) << (score_bits + bits)) | (
            (order << bits) | t
        )
    del all_src, all_tgt
    keys.sort()
    return keys, bits


# --------------------------------------------------------------------------- writing


def _kind_flags(
    rng: np.random.Generator, rsrc: np.ndarray, line_of: np.ndarray, n_lines: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split a block's relations (sorted by source) into the four kinds.

    Each relation is ``also_bought``, ``also_viewed`` or both; the first 0-3 of a
    line are ``bought_together`` (and ``also_bought``); the first 0-4 of its
    ``also_viewed`` are ``buy_after_viewing``. So the last two never add a pair.

    Returns:
        Boolean flags per relation, in :data:`RELATION_KINDS` order.
    """
    group_first = np.searchsorted(rsrc, rsrc, side="left")
    rank = np.arange(rsrc.size) - group_first
    n_bt = rng.choice(_BOUGHT_TOGETHER_LENGTHS, size=n_lines, p=_BOUGHT_TOGETHER_PROBS)
    n_bav = rng.choice(
        _BUY_AFTER_VIEWING_LENGTHS, size=n_lines, p=_BUY_AFTER_VIEWING_PROBS
    )
    bought_together = rank < n_bt[line_of]
    also_bought = bought_together | (rng.random(rsrc.size) < _P_ALSO_BOUGHT)
    also_viewed = ~also_bought | (
        ~bought_together & (rng.random(rsrc.size) < _P_ALSO_VIEWED_TOO)
    )
    seen = np.cumsum(also_viewed)
    viewed_rank = seen - 1 - (seen[group_first] - also_viewed[group_first])
    after_viewing = also_viewed & (viewed_rank < n_bav[line_of])
    return also_bought, also_viewed, bought_together, after_viewing


class _LineWriter:
    """Format blocks of lines; all randomness comes from the generator given."""

    def __init__(self, catalog: _Catalog, keys: np.ndarray, bits: int) -> None:
        self.catalog = catalog
        self.keys = keys
        self.shift = bits + min(20, 63 - 2 * bits)
        self.mask = (1 << bits) - 1
        tops = len(_VOCAB.tops)
        self.nouns = [
            [[_capitalise(w) for w in words] for words in _VOCAB.nouns[c % tops]]
            for c in range(len(catalog.category_names))
        ]
        self.subs = [_VOCAB.subs[c % tops] for c in range(len(catalog.category_names))]
        self.rank_keys = [repr(name) for name in catalog.category_names]
        self.path_cache: dict[tuple[int, int, int, int, int], str] = {}
        self.counts = dict.fromkeys(RELATION_KINDS, 0)
        self.lines_without_related = 0

    def _categories(
        self, cat: int, sub: int, noun: int, depth: int, second: int
    ) -> str:
        """``repr`` of the category paths, cached (few distinct values)."""
        key = (cat, sub, noun, depth, second)
        text = self.path_cache.get(key)
        if text is None:
            top, subs = self.catalog.category_names[cat], self.subs[cat]
            path = [top, subs[sub]]
            leaf = _capitalise(_plural(self.nouns[cat][sub][noun]))
            if depth == 3 and leaf != subs[sub]:
                path.append(leaf)
            paths = [path]
            if second >= 0 and second != sub:
                paths.append([top, subs[second]])
            text = self.path_cache[key] = repr(paths)
        return text

    def block(self, rng: np.random.Generator, products: np.ndarray) -> bytes:
        """Format the lines of ``products`` (sorted indices), one block of text."""
        cat = self.catalog
        k = products.size
        lo = np.searchsorted(self.keys, int(products[0]) << self.shift)
        hi = np.searchsorted(self.keys, (int(products[-1]) + 1) << self.shift)
        rel = self.keys[lo:hi]
        rsrc = rel >> self.shift
        rtgt = rel & self.mask
        line_of = np.searchsorted(products, rsrc)
        lists: list[tuple[str, list[str], list[int]]] = []
        flags = _kind_flags(rng, rsrc, line_of, k)
        for kind, flag in zip(RELATION_KINDS, flags, strict=True):
            chosen = np.flatnonzero(flag)
            self.counts[kind] += int(chosen.size)
            tokens = asin_codes(rtgt[chosen]).astype("U10").tolist()
            per_line = np.bincount(line_of[chosen], minlength=k)
            lists.append((kind, tokens, [0, *np.cumsum(per_line).tolist()]))

        # Per-line fields, drawn for the whole block at once.
        asins = asin_codes(products).astype("U10").tolist()
        c = cat.category[products].tolist()
        sub = cat.sub[products].tolist()
        noun = cat.noun[products].tolist()
        brand = cat.brand[products].tolist()
        price = cat.price[products].tolist()
        sales = cat.sales_rank[products].tolist()
        depth = np.where(rng.random(k) < _P_DEPTH_THREE, 3, 2).tolist()
        second_draw = rng.integers(0, _SUBS, size=k)
        second = np.where(rng.random(k) < _P_SECOND_PATH, second_draw, -1).tolist()
        adjective = rng.integers(0, len(_ADJECTIVES), size=k).tolist()
        variant = rng.integers(0, len(_VARIANTS), size=k).tolist()
        model_draw = rng.integers(0, 26 * 26 * 90, size=k)
        model = np.where(rng.random(k) < _P_MODEL_CODE, model_draw, -1).tolist()
        has_title = (rng.random(k) >= _P_MISSING_TITLE).tolist()
        has_price = (rng.random(k) >= _P_MISSING_PRICE).tolist()
        has_brand = (rng.random(k) >= _P_MISSING_BRAND).tolist()
        has_rank = (rng.random(k) >= _P_MISSING_RANK).tolist()
        empty_dict = (rng.random(k) < _P_EMPTY_DICT).tolist()

        out: list[str] = []
        for i in range(k):
            parts = ["{'asin': '", asins[i], "'"]
            name = cat.brand_names[brand[i]]
            if has_title[i]:
                words = [name]
                if model[i] >= 0:  # e.g. 'KX-340'
                    letters, digits = divmod(model[i], 90)
                    words.append(
                        f"{chr(65 + letters // 26)}{chr(65 + letters % 26)}"
                        f"-{100 + 10 * digits}"
                    )
                words += [_ADJECTIVES[adjective[i]], self.nouns[c[i]][sub[i]][noun[i]]]
                parts += [", 'title': ", repr(" ".join(words) + _VARIANTS[variant[i]])]
            if has_price[i]:
                parts += [", 'price': ", repr(price[i])]
            related = [
                f"'{kind}': ['"
                + "', '".join(tokens[offsets[i] : offsets[i + 1]])
                + "']"
                for kind, tokens, offsets in lists
                if offsets[i + 1] > offsets[i]
            ]
            if related:
                parts += [", 'related': {", ", ".join(related), "}"]
            else:
                self.lines_without_related += 1
                if empty_dict[i]:
                    parts.append(", 'related': {}")
            if has_rank[i]:
                parts += [", 'salesRank': {", self.rank_keys[c[i]], f": {sales[i]}}}"]
            if has_brand[i]:
                parts += [", 'brand': ", repr(name)]
            paths = self._categories(c[i], sub[i], noun[i], depth[i], second[i])
            parts += [", 'categories': ", paths, "}\n"]
            out.append("".join(parts))
        return "".join(out).encode("utf-8")


# --------------------------------------------------------------------------- public API


def _start(
    *,
    seed: int,
    n_products: int,
    n_pairs: int,
    n_categories: int | None,
    niche_size: int,
    metadata_fraction: float,
    empty_related_fraction: float,
) -> tuple[np.random.Generator, int, _Catalog]:
    """The seeded generator, the number of categories and the catalogue.

    :func:`generate_metadata` and :func:`planted_structure` both start here, so
    the catalogue (and the generator's state after it) is the same for both.
    """
    rng = np.random.default_rng(seed)
    categories = (
        n_categories if n_categories is not None else default_categories(n_products)
    )
    catalog = _build_catalog(
        rng,
        n_products=n_products,
        n_pairs=n_pairs,
        n_categories=categories,
        niche_size=niche_size,
        metadata_fraction=metadata_fraction,
        empty_related_fraction=empty_related_fraction,
    )
    return rng, categories, catalog


@dataclass(frozen=True)
class PlantedStructure:
    """What the generator planted, per product index (see :func:`planted_structure`).

    A relation is drawn as: a source line ``s`` with probability
    ``source_weight[s]``; then a target ``t`` from the source's niche with
    probability ``within_niche`` (``t`` drawn with ``niche_probability[t]``), else
    from its category up to ``within_category`` (``category_probability[t]``),
    else from anywhere (``global_probability[t]``). Pairs already drawn are drawn
    again, and a first pass gives every product one pair; so these are the
    probabilities of the draws, not exactly of the pairs kept.

    Attributes:
        asins: ASIN of every product index (``str``).
        category: Top-level category id.
        niche: Niche id (niches lie inside one category).
        source_weight: Probability of each product's line being the source of a
            draw (0 for products whose line lists nothing, or with no line).
        global_probability: Probability of being the target of a global draw.
        category_probability: ... of a draw inside the product's category.
        niche_probability: ... of a draw inside the product's niche.
        within_niche: Share of draws inside the source's niche.
        within_category: Share inside its category (the niche included).
    """

    asins: np.ndarray
    category: np.ndarray
    niche: np.ndarray
    source_weight: np.ndarray
    global_probability: np.ndarray
    category_probability: np.ndarray
    niche_probability: np.ndarray
    within_niche: float
    within_category: float


def _zipf_probability(
    rank: np.ndarray, size: np.ndarray, exponent: float
) -> np.ndarray:
    """Exact probability that :func:`_zipf_ranks` returns ``rank`` among ``size``."""
    top = np.asarray(size, dtype=np.float64) + 1.0
    low = np.asarray(rank, dtype=np.float64) + 1.0
    high = np.minimum(low + 1.0, top)
    if exponent == 0.0:
        return (high - low) / (top - 1.0)
    if abs(1.0 - exponent) < 1e-9:
        return (np.log(high) - np.log(low)) / np.log(top)
    power = 1.0 - exponent
    return (high**power - low**power) / (top**power - 1.0)


def planted_structure(
    *,
    n_products: int,
    n_pairs: int,
    seed: int = 0,
    metadata_fraction: float = DEFAULT_METADATA_FRACTION,
    n_categories: int | None = None,
    within_category: float = DEFAULT_WITHIN_CATEGORY,
    within_niche: float = DEFAULT_WITHIN_NICHE,
    niche_size: int = DEFAULT_NICHE_SIZE,
    zipf_exponent: float = DEFAULT_ZIPF_EXPONENT,
    empty_related_fraction: float = DEFAULT_EMPTY_RELATED_FRACTION,
    max_related: int = DEFAULT_MAX_RELATED,
) -> PlantedStructure:
    """The hidden structure behind :func:`generate_metadata` with the same arguments.

    Rebuilds the catalogue and the draw probabilities without drawing a pair or
    writing a line (seconds, even at Books scale). ``benchmarks/oracle.py`` scores
    pairs with them: a reference no model trained on the pairs can be expected to
    beat.

    Args:
        n_products: As for :func:`generate_metadata`.
        n_pairs: As for :func:`generate_metadata`.
        seed: As for :func:`generate_metadata`.
        metadata_fraction: As for :func:`generate_metadata`.
        n_categories: As for :func:`generate_metadata`.
        within_category: As for :func:`generate_metadata`.
        within_niche: As for :func:`generate_metadata`.
        niche_size: As for :func:`generate_metadata`.
        zipf_exponent: As for :func:`generate_metadata`.
        empty_related_fraction: As for :func:`generate_metadata`.
        max_related: As for :func:`generate_metadata` (validated only).

    Returns:
        The planted structure.

    Raises:
        ValueError: If an argument is out of range; the message names it.
    """
    _validate(
        n_products=n_products,
        n_pairs=n_pairs,
        seed=seed,
        metadata_fraction=metadata_fraction,
        n_categories=n_categories,
        within_category=within_category,
        within_niche=within_niche,
        niche_size=niche_size,
        zipf_exponent=zipf_exponent,
        empty_related_fraction=empty_related_fraction,
        max_related=max_related,
    )
    rng, _, catalog = _start(
        seed=seed,
        n_products=n_products,
        n_pairs=n_pairs,
        n_categories=n_categories,
        niche_size=niche_size,
        metadata_fraction=metadata_fraction,
        empty_related_fraction=empty_related_fraction,
    )
    draw = _Samplers(rng, catalog, zipf_exponent)  # as _build_pairs builds it
    n = n_products
    source = np.bincount(draw.source_pool, minlength=n).astype(np.float64)

    def probability(
        by_group: np.ndarray, start: np.ndarray, group: np.ndarray
    ) -> np.ndarray:
        """Each product's chance of being drawn inside its group (by rank)."""
        rank = np.empty(n, dtype=np.int64)
        rank[by_group] = np.arange(n) - start[group[by_group]]
        return _zipf_probability(rank, np.diff(start)[group], zipf_exponent)

    everyone = np.zeros(n, dtype=np.int64)
    return PlantedStructure(
        asins=asin_codes(np.arange(n)).astype("U10"),
        category=catalog.category,
        niche=catalog.niche,
        source_weight=source / source.sum(),
        global_probability=probability(draw.by_rank, np.array([0, n]), everyone),
        category_probability=probability(
            draw.by_category, draw.category_start, catalog.category
        ),
        niche_probability=probability(draw.by_niche, draw.niche_start, catalog.niche),
        within_niche=float(within_niche),
        within_category=float(within_category),
    )


def generate_metadata(
    path: str | os.PathLike[str],
    *,
    n_products: int,
    n_pairs: int,
    seed: int = 0,
    metadata_fraction: float = DEFAULT_METADATA_FRACTION,
    n_categories: int | None = None,
    within_category: float = DEFAULT_WITHIN_CATEGORY,
    within_niche: float = DEFAULT_WITHIN_NICHE,
    niche_size: int = DEFAULT_NICHE_SIZE,
    zipf_exponent: float = DEFAULT_ZIPF_EXPONENT,
    empty_related_fraction: float = DEFAULT_EMPTY_RELATED_FRACTION,
    max_related: int = DEFAULT_MAX_RELATED,
) -> GenerationSummary:
    """Write a SYNTHETIC 2014-format metadata file and say what it holds.

    Args:
        path: Output file; gzip (level 1) when it ends in ``.gz``, text otherwise.
            Parent folders are created. Written atomically.
        n_products: Distinct products in the graph (all in some pair when
            ``n_pairs`` allows).
        n_pairs: Distinct undirected pairs named by ``also_bought``,
            ``also_viewed`` and ``bought_together`` lists, both directions merged.
        seed: Seed for ``numpy.random.default_rng``; same arguments, same bytes.
        metadata_fraction: Share of products that get a metadata line (0.42 gives
            about 5,000 lines for 12,000 products). Raised automatically when
            ``n_pairs`` needs more listing lines.
        n_categories: Top-level categories; by default 20-60, growing with
            ``n_products`` (see :func:`default_categories`).
        within_category: Probability that a related product is drawn from the
            source's own top-level category, its niche included (others come
            from anywhere).
        within_niche: Probability that a related product is drawn from the
            source's own niche (at most ``within_category``).
        niche_size: Mean products per niche (a niche is one kind of product
            inside a category, e.g. curling irons; its products share the
            sub-category and the noun of their titles).
        zipf_exponent: Exponent ``s`` of popularity ``(rank + 1) ** -s``.
        empty_related_fraction: Share of lines whose ``related`` is missing or
            ``{}``.
        max_related: Soft cap on how many products one line lists (raised when the
            requested pairs need longer lists).

    Returns:
        Counts of what was written.

    Raises:
        ValueError: If an argument is out of range; the message names it.
        RuntimeError: If the pairs cannot be placed (only for extreme requests).
    """
    _validate(
        n_products=n_products,
        n_pairs=n_pairs,
        seed=seed,
        metadata_fraction=metadata_fraction,
        n_categories=n_categories,
        within_category=within_category,
        within_niche=within_niche,
        niche_size=niche_size,
        zipf_exponent=zipf_exponent,
        empty_related_fraction=empty_related_fraction,
        max_related=max_related,
    )
    started = time.perf_counter()
    target = Path(path)
    rng, categories, catalog = _start(
        seed=seed,
        n_products=n_products,
        n_pairs=n_pairs,
        n_categories=n_categories,
        niche_size=niche_size,
        metadata_fraction=metadata_fraction,
        empty_related_fraction=empty_related_fraction,
    )
    pairs = _build_pairs(
        rng,
        catalog,
        n_pairs=n_pairs,
        within_niche=within_niche,
        within_category=within_category,
        zipf_exponent=zipf_exponent,
        max_related=max_related,
    )
    in_pairs = np.zeros(n_products, dtype=bool)
    in_pairs[pairs.src[: pairs.size]] = True
    in_pairs[pairs.tgt[: pairs.size]] = True
    products_in_pairs = int(in_pairs.sum())
    del in_pairs
    undirected = pairs.size
    logger.info(
        "planted %s pairs over %s products in %.1fs",
        f"{undirected:,}",
        f"{products_in_pairs:,}",
        time.perf_counter() - started,
    )
    if undirected < n_pairs or products_in_pairs < n_products:
        logger.warning(
            "asked for %d pairs over %d products, planted %d pairs over %d products "
            "(too few pairs to reach every product)",
            n_pairs,
            n_products,
            undirected,
            products_in_pairs,
        )
    keys, bits = _sorted_relations(rng, pairs, catalog, max_related)
    del pairs
    writer = _LineWriter(catalog, keys, bits)
    lines = np.flatnonzero(catalog.has_line)
    _write_atomically(target, writer, rng, lines)
    summary = GenerationSummary(
        path=target,
        lines_written=int(lines.size),
        lines_without_related=writer.lines_without_related,
        products=n_products,
        products_in_pairs=products_in_pairs,
        undirected_pairs=undirected,
        categories=categories,
        brands=len(catalog.brand_names),
        **writer.counts,
    )
    logger.info("%s in %.1fs", summary.describe(), time.perf_counter() - started)
    return summary


def _write_atomically(
    target: Path, writer: _LineWriter, rng: np.random.Generator, lines: np.ndarray
) -> None:
    """Write all blocks to a temporary file beside ``target``, then rename it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as raw:
            os.fchmod(raw.fileno(), 0o644)  # mkstemp makes 0600; data is for all
            if target.name.endswith(".gz"):
                # filename="" and mtime=0 keep the gzip header byte-identical.
                with gzip.GzipFile(
                    filename="", mode="wb", fileobj=raw, compresslevel=1, mtime=0
                ) as stream:
                    _write_blocks(stream, writer, rng, lines)
            else:
                _write_blocks(raw, writer, rng, lines)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _write_blocks(
    stream: _Writable,
    writer: _LineWriter,
    rng: np.random.Generator,
    lines: np.ndarray,
) -> None:
    """Write the lines block by block, logging progress every ~100k lines."""
    next_report = _PROGRESS_EVERY
    for start in range(0, lines.size, _LINES_PER_BLOCK):
        block = lines[start : start + _LINES_PER_BLOCK]
        stream.write(writer.block(rng, block))
        done = start + block.size
        if done >= next_report:
            logger.info("wrote %s / %s lines", f"{done:,}", f"{lines.size:,}")
            next_report += _PROGRESS_EVERY


# --------------------------------------------------------------------------- CLI


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m baseline_recsys.synthetic",
        description=(
            "Write SYNTHETIC Amazon product metadata (McAuley 2014 format, one "
            "Python dict literal per line). Nothing in it is real."
        ),
    )
    parser.add_argument(
        "--products",
        type=_positive_int,
        required=True,
        help="distinct products in the graph",
    )
    parser.add_argument(
        "--pairs",
        type=_positive_int,
        required=True,
        help="distinct undirected pairs to plant",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--out", type=Path, required=True, help="output path; .gz for gzip"
    )
    parser.add_argument(
        "--metadata-fraction",
        type=float,
        default=DEFAULT_METADATA_FRACTION,
        help="share of products that get a line (default %(default)s)",
    )
    parser.add_argument(
        "--categories",
        type=_positive_int,
        default=None,
        help="top-level categories (default: 20-60 by size)",
    )
    parser.add_argument(
        "--within-category",
        type=float,
        default=DEFAULT_WITHIN_CATEGORY,
        help="share of related products from the same category (default %(default)s)",
    )
    parser.add_argument(
        "--within-niche",
        type=float,
        default=DEFAULT_WITHIN_NICHE,
        help="share of related products from the same niche (default %(default)s)",
    )
    parser.add_argument(
        "--niche-size",
        type=_positive_int,
        default=DEFAULT_NICHE_SIZE,
        help="mean products per niche (default %(default)s)",
    )
    parser.add_argument(
        "--zipf-exponent",
        type=float,
        default=DEFAULT_ZIPF_EXPONENT,
        help="popularity exponent (default %(default)s)",
    )
    parser.add_argument(
        "--empty-related-fraction",
        type=float,
        default=DEFAULT_EMPTY_RELATED_FRACTION,
        help="share of lines with no related lists (default %(default)s)",
    )
    parser.add_argument(
        "--max-related",
        type=_positive_int,
        default=DEFAULT_MAX_RELATED,
        help="soft cap on products one line lists (default %(default)s)",
    )
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` when ``None``.

    Returns:
        The exit status, 0 on success. A rejected argument exits through
        ``argparse`` (status 2) with a message that names it.
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, args.log_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        generate_metadata(
            args.out,
            n_products=args.products,
            n_pairs=args.pairs,
            seed=args.seed,
            metadata_fraction=args.metadata_fraction,
            n_categories=args.categories,
            within_category=args.within_category,
            within_niche=args.within_niche,
            niche_size=args.niche_size,
            zipf_exponent=args.zipf_exponent,
            empty_related_fraction=args.empty_related_fraction,
            max_related=args.max_related,
        )
    except ValueError as error:
        parser.error(str(error))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
