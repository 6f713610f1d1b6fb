"""The project's own labeled corpus of customer posts, written for the starter models.

Every example is generated from the templates below, written for this project (no text from any
public data set). Templates cover nine industries, formal and casual registers, one-liners and
long rants, and hard cases: sarcasm, negated praise, questions that are complaints, complaints
that mention a lawyer (crisis), spam that praises, purchase intent phrased as a question. Slots
are filled with a fixed seed, so the corpus — and the model trained on it — is reproducible.

`examples()` returns (text, intent, sentiment) triples; `CORPUS_VERSION` changes whenever the
templates do, which invalidates cached models.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

CORPUS_VERSION = "2026-11-22.4"
PER_INTENT = 240

INDUSTRIES: dict[str, dict[str, list[str]]] = {
    "telecom": {
        "thing": [
            "internet",
            "wifi",
            "broadband",
            "phone line",
            "mobile data",
            "fibre connection",
            "5G signal",
            "router",
            "landline",
            "TV box",
        ],
        "issue": [
            "keeps dropping",
            "has been down since yesterday",
            "is slower than dial-up",
            "cuts out every evening",
            "stopped working after the update",
            "has no signal",
        ],
        "staff": ["technician", "agent", "engineer", "rep"],
        "product": [
            "the unlimited plan",
            "fibre 500",
            "a family plan",
            "the new phone bundle",
            "an eSIM",
            "the 5G plan",
        ],
        "event": ["the outage", "my bill", "the engineer visit", "my contract"],
    },
    "airline": {
        "thing": ["flight", "bag", "luggage", "connection", "seat", "boarding pass", "suitcase"],
        "issue": [
            "was delayed 5 hours",
            "got cancelled with no notice",
            "never arrived",
            "was lost in transit",
            "was overbooked",
            "came back damaged",
        ],
        "staff": ["flight attendant", "gate agent", "pilot", "crew", "check-in staff"],
        "product": [
            "a ticket to Lisbon",
            "business class",
            "the lounge pass",
            "extra legroom",
            "a flight to Denver",
            "the annual pass",
        ],
        "event": ["my flight", "the delay", "my refund", "the rebooking"],
    },
    "bank": {
        "thing": [
            "card",
            "account",
            "transfer",
            "app",
            "direct debit",
            "savings account",
            "online banking",
        ],
        "issue": [
            "was blocked for no reason",
            "has been pending for a week",
            "keeps logging me out",
            "charged me twice",
            "shows the wrong balance",
            "got declined at the shop",
        ],
        "staff": ["advisor", "branch manager", "agent", "cashier"],
        "product": [
            "a mortgage",
            "the premium account",
            "a credit card",
            "a business account",
            "the travel card",
            "a personal loan",
        ],
        "event": ["my statement", "the fraud check", "my loan application", "the transfer"],
    },
    "retail": {
        "thing": ["order", "package", "parcel", "delivery", "jacket", "shoes", "sofa", "return"],
        "issue": [
            "never showed up",
            "arrived broken",
            "is three weeks late",
            "was the wrong size",
            "was left in the rain",
            "got sent to the wrong address",
        ],
        "staff": ["courier", "driver", "store manager", "cashier", "customer service"],
        "product": [
            "the blue sofa",
            "those running shoes",
            "the winter coat",
            "a gift card",
            "the 65 inch TV",
            "the standing desk",
        ],
        "event": ["my order", "the return", "my refund", "the delivery slot"],
    },
    "software": {
        "thing": ["app", "subscription", "account", "playlist", "login", "update", "sync"],
        "issue": [
            "crashes every time I open it",
            "deleted all my files",
            "won't let me log in",
            "charged me after I cancelled",
            "is stuck loading",
            "logged me out again",
        ],
        "staff": ["support", "developer", "support team", "admin"],
        "product": [
            "the family plan",
            "the pro version",
            "a team licence",
            "premium",
            "the annual subscription",
            "the student plan",
        ],
        "event": ["the update", "my subscription", "the migration", "my ticket"],
    },
    "food": {
        "thing": ["order", "pizza", "delivery", "burger", "meal kit", "coffee", "takeaway"],
        "issue": [
            "arrived cold",
            "was missing half the items",
            "took two hours",
            "was completely wrong",
            "made me sick",
            "never came",
        ],
        "staff": ["driver", "waiter", "manager", "barista", "rider"],
        "product": [
            "the catering menu",
            "a party platter",
            "the weekly box",
            "a gift voucher",
            "the vegan range",
            "a franchise",
        ],
        "event": ["my order", "the refund", "dinner", "the delivery"],
    },
    "hotel": {
        "thing": ["room", "booking", "reservation", "check-in", "shower", "air conditioning"],
        "issue": [
            "was filthy",
            "got cancelled",
            "was double booked",
            "had no hot water",
            "smelled of smoke",
            "was nothing like the photos",
        ],
        "staff": ["receptionist", "front desk", "housekeeping", "concierge", "manager"],
        "product": [
            "a suite for the weekend",
            "the spa package",
            "a room for 10 nights",
            "the conference room",
            "a family room",
            "the wedding package",
        ],
        "event": ["my stay", "the booking", "the deposit", "our honeymoon"],
    },
    "utilities": {
        "thing": ["power", "electricity", "gas supply", "water", "meter", "heating"],
        "issue": [
            "has been off all day",
            "keeps cutting out",
            "was estimated wrong again",
            "is brown and smells",
            "was disconnected by mistake",
            "doubled my bill",
        ],
        "staff": ["engineer", "meter reader", "agent", "field team"],
        "product": [
            "the green tariff",
            "solar panels",
            "a smart meter",
            "the fixed deal",
            "a heat pump",
            "the EV tariff",
        ],
        "event": ["my bill", "the outage", "the meter reading", "my direct debit"],
    },
    "auto": {
        "thing": [
            "car",
            "service appointment",
            "brakes",
            "lease",
            "infotainment screen",
            "battery",
        ],
        "issue": [
            "failed after two months",
            "still isn't fixed",
            "makes a grinding noise",
            "went dead on the motorway",
            "was supposed to be ready Friday",
            "keeps flashing a warning",
        ],
        "staff": ["mechanic", "dealer", "salesman", "service advisor"],
        "product": [
            "the hybrid",
            "a test drive",
            "the electric SUV",
            "the extended warranty",
            "a lease deal",
            "the new model",
        ],
        "event": ["the repair", "my lease", "the recall", "the service"],
    },
}

DURATIONS = [
    "3 hours",
    "two days",
    "a week",
    "45 minutes",
    "since Monday",
    "all weekend",
    "10 days",
    "an hour",
    "three weeks",
    "since 8am",
]

# (intent, sentiment, template). Slots: {thing} {issue} {staff} {product} {event} {dur}.
TEMPLATES: list[tuple[str, str, str]] = [
    # complaint
    ("complaint", "negative", "my {thing} {issue}. not impressed"),
    ("complaint", "negative", "My {thing} {issue} and nobody has called me back"),
    ("complaint", "negative", "Been on hold for {dur}. Absolutely useless service"),
    ("complaint", "negative", "{thing} {issue} AGAIN. This is the third time this month"),
    ("complaint", "negative", "I have been waiting {dur} for someone to sort out {event}"),
    ("complaint", "negative", "worst customer service ever, the {staff} hung up on me"),
    ("complaint", "negative", "Your {staff} was rude and unhelpful. Really disappointed"),
    ("complaint", "negative", "still no refund for {event}. {dur} and counting"),
    (
        "complaint",
        "negative",
        "Dear team, I am writing to complain that my {thing} {issue}. "
        "I expect this to be resolved promptly.",
    ),
    ("complaint", "negative", "why is it so hard to get a straight answer about {event}??"),
    ("complaint", "negative", "why does my {thing} keep doing this? {dur} of nothing"),
    ("complaint", "negative", "ugh {thing} {issue} 😡"),
    ("complaint", "negative", "seriously?? {thing} {issue}. sort it out"),
    ("complaint", "negative", "Love how my {thing} {issue}. Great job guys 🙄"),
    ("complaint", "negative", "thanks for nothing, {event} is still a mess"),
    ("complaint", "negative", "So much for 'customer first'. My {thing} {issue}"),
    ("complaint", "negative", "Paid for {product} and my {thing} {issue}. I want my money back"),
    ("complaint", "negative", "you charged me twice for {event} and nobody will fix it"),
    ("complaint", "negative", "not happy at all. {thing} {issue} and the {staff} didn't care"),
    ("complaint", "negative", "I never had problems until now but my {thing} {issue}"),
    ("complaint", "negative", "this is unacceptable. {dur} without {thing}"),
    ("complaint", "negative", "Can't believe my {thing} {issue}. Never again"),
    ("complaint", "negative", "third call today about {event}, still no fix"),
    (
        "complaint",
        "negative",
        "Hey, my {thing} {issue}. can someone actually help instead of "
        "sending me a link to the FAQ",
    ),
    ("complaint", "negative", "cancelled my {thing} and you still billed me. fix it"),
    ("complaint", "negative", "The {staff} promised a callback {dur} ago. Nothing."),
    ("complaint", "negative", "so disappointed with {event}, expected better from you"),
    ("complaint", "negative", "{thing} broken, {staff} useless, refund denied. great weekend"),
    ("complaint", "negative", "i'm done. {thing} {issue}. switching providers"),
    ("complaint", "negative", "The app says resolved but my {thing} {issue}"),
    # question
    ("question", "neutral", "How do I update the address on my {thing}?"),
    ("question", "neutral", "hi, what are your opening hours on Sunday?"),
    ("question", "neutral", "Is there a way to change {event} online?"),
    ("question", "neutral", "Quick question: can I use {product} abroad?"),
    ("question", "neutral", "does {product} include the {thing}?"),
    ("question", "neutral", "Where can I find my invoice for {event}?"),
    ("question", "neutral", "how long does a refund usually take?"),
    ("question", "neutral", "Can someone tell me how to reset my {thing}?"),
    ("question", "neutral", "Hello! When will {event} be updated? Thanks"),
    ("question", "neutral", "what's the phone number for the {staff}?"),
    ("question", "neutral", "is {thing} down right now or is it just me?"),
    ("question", "neutral", "Do you ship to Canada?"),
    ("question", "neutral", "any idea when the {thing} will be back?"),
    ("question", "neutral", "How can I speak to a {staff} about {event}?"),
    ("question", "neutral", "Which documents do I need for {event}?"),
    ("question", "neutral", "Can I pay for {product} in instalments?"),
    ("question", "neutral", "Good morning, could you explain the charges on {event} please?"),
    ("question", "neutral", "is it possible to transfer {event} to my partner?"),
    ("question", "neutral", "Hi there, I just moved. How do I move my {thing} to the new place?"),
    ("question", "neutral", "What's the difference between {product} and the basic one?"),
    ("question", "neutral", "do I need an appointment or can I just walk in?"),
    ("question", "neutral", "where do I send the form for {event}"),
    ("question", "neutral", "Could you DM me the steps to set up my {thing}?"),
    ("question", "neutral", "What time does the branch near the station open on Saturday?"),
    ("question", "neutral", "are you open on bank holidays?"),
    ("question", "neutral", "When do your stores close tonight?"),
    ("question", "neutral", "what time can I call the {staff} tomorrow?"),
    ("question", "neutral", "Which store has {product} on display? Want to see it first"),
    ("question", "neutral", "Is the {thing} covered by the warranty?"),
    ("question", "positive", "Loved the last one! When is the next sale?"),
    # feedback
    ("feedback", "neutral", "Suggestion: let us pick a delivery window for {event}"),
    ("feedback", "neutral", "It would be great if the app showed the status of {event}"),
    ("feedback", "neutral", "Please add a dark mode to the app"),
    ("feedback", "neutral", "you should really offer {product} without the contract"),
    ("feedback", "neutral", "Feature request: export my history as a spreadsheet"),
    ("feedback", "neutral", "The new menu layout is confusing, the old one was easier to use"),
    ("feedback", "neutral", "would be nice to get a text before the {staff} arrives"),
    ("feedback", "neutral", "idea: a loyalty discount for people who've been with you 5+ years"),
    (
        "feedback",
        "neutral",
        "Your website's checkout asks for my address three times. Might be worth simplifying",
    ),
    ("feedback", "negative", "The redesign made the {thing} page harder to find. Not a fan"),
    ("feedback", "positive", "Love the new update, but please bring back the old search"),
    ("feedback", "neutral", "Small thing, but the font on the receipts is tiny"),
    ("feedback", "neutral", "Have you considered opening on Sundays?"),
    ("feedback", "neutral", "One suggestion for {product}: include the {thing} by default"),
    ("feedback", "neutral", "The survey after {event} was too long, just ask one question"),
    ("feedback", "neutral", "would love an option to pause {product} instead of cancelling"),
    ("feedback", "positive", "Good service overall. Only thing I'd change is the hold music"),
    ("feedback", "neutral", "Please make the {staff} contact details easier to find"),
    ("feedback", "neutral", "The instructions for the {thing} could be clearer"),
    ("feedback", "neutral", "Bring back the old {thing} design please"),
    ("feedback", "negative", "honestly the new pricing page is a mess, I couldn't compare plans"),
    ("feedback", "neutral", "Tip for your team: tell people up front how long {event} takes"),
    ("feedback", "neutral", "it'd help if the app remembered my preferences"),
    ("feedback", "neutral", "Not a complaint, just a suggestion: send the reminder a day earlier"),
    ("feedback", "neutral", "The {thing} works fine but the setup guide needs pictures"),
    ("feedback", "positive", "Really like {product}. Would be perfect with a yearly option"),
    ("feedback", "neutral", "Your chat bot should hand over to a person sooner"),
    ("feedback", "neutral", "Make the {staff} rating survey optional, from a regular customer"),
    ("feedback", "negative", "The new {thing} menu hides the one button I use daily. Rethink it"),
    # purchase intent
    ("purchase_intent", "positive", "Thinking about getting {product}, any deals on right now?"),
    ("purchase_intent", "neutral", "How much is {product}?"),
    ("purchase_intent", "neutral", "Do you have {product} in stock at the city centre store?"),
    ("purchase_intent", "positive", "I want to buy {product}, who do I talk to?"),
    ("purchase_intent", "positive", "ready to sign up for {product} today if the price is right"),
    ("purchase_intent", "neutral", "Can I get a quote for {product}?"),
    ("purchase_intent", "neutral", "what's the cheapest way to get {product}"),
    ("purchase_intent", "positive", "Looking to upgrade to {product}. What are my options?"),
    ("purchase_intent", "neutral", "Is there a discount on {product} for students?"),
    (
        "purchase_intent",
        "positive",
        "Planning to order {product} for the office, do you do bulk pricing?",
    ),
    (
        "purchase_intent",
        "neutral",
        "which is better for a family of four, {product} or the basic one? want to buy this week",
    ),
    ("purchase_intent", "positive", "take my money, I need {product} 😍"),
    ("purchase_intent", "neutral", "is {product} available to order yet?"),
    (
        "purchase_intent",
        "neutral",
        "considering switching to you from my current provider, what do you offer?",
    ),
    ("purchase_intent", "neutral", "Can someone from sales call me about {product}?"),
    ("purchase_intent", "neutral", "When does {product} go on sale?"),
    (
        "purchase_intent",
        "positive",
        "I'd love to get {product} for my mum's birthday, can you deliver by Friday?",
    ),
    ("purchase_intent", "neutral", "do you price match {product}?"),
    ("purchase_intent", "neutral", "Want to book {product}. Is it cheaper online or by phone?"),
    ("purchase_intent", "neutral", "interested in {product}, send me the details"),
    ("purchase_intent", "neutral", "how do I pre-order {product}"),
    ("purchase_intent", "neutral", "I'd buy {product} if it came in black"),
    ("purchase_intent", "positive", "My contract ends next month, ready to switch to {product}"),
    ("purchase_intent", "neutral", "does {product} come with a free trial? might sign up"),
    ("purchase_intent", "neutral", "where can I buy {product} near me"),
    ("purchase_intent", "positive", "Saving up for {product}, is there a payment plan?"),
    ("purchase_intent", "neutral", "need a quote for 12 of {product} for our school"),
    (
        "purchase_intent",
        "neutral",
        "We're a team of 40 looking at {product}. Who handles business accounts?",
    ),
    # praise
    ("praise", "positive", "Huge thanks to the {staff} who sorted out {event} today!"),
    ("praise", "positive", "Best service I've had in years. Thank you!"),
    ("praise", "positive", "love my new {thing} 😍"),
    ("praise", "positive", "Shoutout to your {staff}, went above and beyond"),
    ("praise", "positive", "{event} was smooth and quick, well done"),
    ("praise", "positive", "you guys never disappoint ❤️"),
    ("praise", "positive", "Just wanted to say the {staff} was lovely and so patient"),
    ("praise", "positive", "Fixed in 10 minutes. Impressed!"),
    ("praise", "positive", "I was sceptical but {product} is brilliant"),
    ("praise", "positive", "amazing support, thank you so much 🙏"),
    ("praise", "positive", "10/10 would recommend"),
    ("praise", "positive", "Thank you for making {event} so easy"),
    ("praise", "positive", "wow, that was fast. great job team"),
    ("praise", "positive", "Credit where it's due: the {staff} turned a bad day around"),
    ("praise", "positive", "still the best {thing} around, no complaints at all"),
    ("praise", "positive", "Not a single problem with my {thing} in 3 years. Thank you"),
    ("praise", "positive", "I can't thank your {staff} enough"),
    ("praise", "positive", "absolutely loving {product} :)"),
    ("praise", "positive", "Big thank you for the quick refund on {event}"),
    ("praise", "positive", "You've earned a customer for life"),
    ("praise", "positive", "Props to the team, {event} handled perfectly"),
    ("praise", "positive", "so happy with {product}!!"),
    ("praise", "positive", "Really appreciate the update on {event}, thanks for keeping me posted"),
    ("praise", "positive", "I was ready to complain but the {staff} fixed it in minutes. Thanks"),
    ("praise", "positive", "after {dur} of problems elsewhere, you sorted my {thing}. Legends"),
    ("praise", "positive", "The {staff} remembered my name. Small thing, made my day"),
    ("praise", "positive", "five stars for {event}, smooth from start to finish ⭐⭐⭐⭐⭐"),
    ("praise", "positive", "honestly impressed, {product} is worth every penny"),
    # crisis
    ("crisis", "negative", "My lawyer will be in touch about {event}. See you in court"),
    ("crisis", "negative", "I'm going to sue you for what happened with {event}"),
    ("crisis", "negative", "Your {thing} caught fire in my kitchen. Someone could have died"),
    ("crisis", "negative", "My data was leaked and I got a phishing email with my account number"),
    ("crisis", "negative", "Data breach? I just got an email saying my password was exposed"),
    ("crisis", "negative", "Your {staff} made racist comments to my family. Disgusting"),
    (
        "crisis",
        "negative",
        "I'm a journalist at the Daily Ledger writing about {event}. "
        "Can your press office comment?",
    ),
    ("crisis", "negative", "food poisoning after eating your {thing}, my son is in hospital"),
    ("crisis", "negative", "The {staff} threatened me. I've reported it to the police"),
    ("crisis", "negative", "Filing a complaint with the regulator and my attorney today"),
    ("crisis", "negative", "your {thing} exploded and injured my daughter"),
    ("crisis", "negative", "I was discriminated against by your {staff} because of my wheelchair"),
    (
        "crisis",
        "negative",
        "Anyone else's personal details showing up in someone else's account? "
        "This is a privacy disaster",
    ),
    ("crisis", "negative", "Class action lawsuit incoming over {event}"),
    ("crisis", "negative", "Reporter here, we're running a story on {event} tomorrow. Comment?"),
    ("crisis", "negative", "A {staff} sexually harassed me during {event}"),
    ("crisis", "negative", "Recall this {thing} now, it's a safety hazard and it burned my hand"),
    (
        "crisis",
        "negative",
        "Your app is exposing customers' home addresses, fix it before someone gets hurt",
    ),
    ("crisis", "negative", "I will burn down your store if {event} isn't fixed"),
    ("crisis", "negative", "Going to the media and my solicitor about {event}"),
    ("crisis", "negative", "Your {staff} assaulted a passenger and the video is everywhere"),
    ("crisis", "negative", "Gas leak at my house after your engineer visit, fire brigade is here"),
    ("crisis", "negative", "This is a formal legal notice regarding {event}"),
    ("crisis", "negative", "boycott them. their {staff} refused service to a gay couple"),
    ("crisis", "negative", "A customer collapsed at your branch and the {staff} did nothing"),
    ("crisis", "negative", "Your website shows other people's card numbers when I log in"),
    ("crisis", "negative", "There's a video of your {staff} hitting a dog, it's going viral"),
    ("crisis", "negative", "The brakes failed after your recall repair, we nearly died"),
    ("crisis", "negative", "A consumer TV show wants to talk to me about {event}. Statement?"),
    # spam
    ("spam", "neutral", "Make $5000 a week from home! DM me to learn how 💰💰"),
    ("spam", "neutral", "Follow me and I'll follow back #f4f #followback"),
    ("spam", "neutral", "FREE iPhone giveaway!! click the link in bio"),
    ("spam", "neutral", "Crypto signals 100% accurate, join our channel now 🚀🚀"),
    ("spam", "neutral", "Get 10k followers for $5 at http://cheap-followers.example"),
    ("spam", "positive", "Amazing deal!!! Buy cheap watches here http://watches.example"),
    ("spam", "neutral", "check out my new mixtape http://mixtape.example #music #newmusic"),
    ("spam", "neutral", "Hot singles in your area http://dating.example"),
    ("spam", "neutral", "I made $900 yesterday with this one trick, ask me how"),
    ("spam", "neutral", "Win a gift card! RT and follow to enter http://promo.example"),
    ("spam", "neutral", "Bitcoin doubling service, send 0.1 BTC get 0.2 back"),
    ("spam", "neutral", "SEO services, rank #1 on Google, contact us today"),
    ("spam", "neutral", "Earn passive income with forex trading, link in bio"),
    ("spam", "neutral", "Cheap meds no prescription http://pharma.example"),
    ("spam", "neutral", "dm for promo, 50% off shoutouts"),
    (
        "spam",
        "neutral",
        "Congratulations you have been selected! Claim your prize http://claim.example",
    ),
    ("spam", "neutral", "Work from home opportunity, no experience needed, DM now"),
    ("spam", "neutral", "buy followers likes and views cheap fast delivery"),
    ("spam", "neutral", "Invest with me and get 300% returns in 7 days 📈"),
    ("spam", "neutral", "Visit my profile for exclusive content 🔥🔥🔥"),
    ("spam", "positive", "Love this brand! Get free gift cards at http://gifts.example"),
    ("spam", "neutral", "Your account will be suspended, verify now at http://verify.example"),
    ("spam", "neutral", "Looking for brand ambassadors!! DM us to collab 💸"),
    ("spam", "neutral", "Lose 10kg in a week with this tea http://tea.example"),
    ("spam", "neutral", "RT to win {product}!! Follow @giveaways and tag 3 friends"),
    ("spam", "neutral", "Limited offer: replica designer bags 90% off, link in bio"),
    # other
    ("other", "neutral", "Watching the game tonight with the family"),
    ("other", "positive", "What a beautiful morning for a run ☀️"),
    ("other", "negative", "This weather is miserable, third rainy weekend in a row"),
    ("other", "neutral", "Anyone going to the conference in Berlin next week?"),
    ("other", "neutral", "Just saw your ad on the bus"),
    ("other", "positive", "Happy Friday everyone! 🎉"),
    ("other", "neutral", "Retweeting for visibility"),
    ("other", "neutral", "lol same"),
    ("other", "positive", "Congrats on the award to the whole team"),
    ("other", "neutral", "Reading the news about the merger"),
    ("other", "negative", "Monday again. I hate Mondays"),
    ("other", "neutral", "On my way to work, traffic as usual"),
    ("other", "positive", "Great match last night, what a goal"),
    ("other", "negative", "So sad to hear about the floods up north"),
    ("other", "neutral", "The keynote starts at 10am local time"),
    ("other", "neutral", "my cat is sitting on my keyboard again"),
    ("other", "positive", "Best concert of my life last night!!"),
    ("other", "negative", "Feeling sick today, staying in bed"),
    ("other", "neutral", "Does anyone know a good plumber nearby?"),
    ("other", "neutral", "Interesting article about the future of retail"),
    ("other", "positive", "Finally finished my marathon training plan 💪"),
    ("other", "negative", "that movie was boring, I walked out halfway"),
    ("other", "neutral", "Tagging my brother so he sees this"),
    ("other", "neutral", "Hi"),
    ("other", "neutral", "the election debate is on channel 4 tonight"),
    ("other", "negative", "traffic is horrible today, an hour to go two miles"),
    ("other", "neutral", "who runs this account lol 😂"),
    ("other", "neutral", "My brother works at your head office, say hi to Sam"),
    ("other", "positive", "Your new ad with the dog is adorable"),
    ("other", "neutral", "Thread about the history of the company logo 🧵"),
    ("other", "neutral", "ok"),
]

# Everyday posts that are not addressed to a company: they teach the sentiment model the tone of
# ordinary social posts (sport, shows, weather, plans, news) beyond customer care. Slots: {team}
# {show} {artist} {day} {place} {food} {thing}.
GENERAL_SLOTS: dict[str, list[str]] = {
    "team": [
        "the Eagles",
        "United",
        "the Lakers",
        "our team",
        "Brazil",
        "the Yankees",
        "the home side",
        "City",
    ],
    "show": [
        "the new season",
        "the finale",
        "that documentary",
        "the premiere",
        "the sequel",
        "the reboot",
        "the new album",
        "the trailer",
    ],
    "artist": [
        "Taylor",
        "the band",
        "Drake",
        "the orchestra",
        "my favourite singer",
        "the headliner",
        "the new director",
    ],
    "day": [
        "tomorrow",
        "on Friday",
        "tonight",
        "this weekend",
        "on Sunday",
        "next week",
        "in May",
        "on the 4th",
    ],
    "place": [
        "the beach",
        "the stadium",
        "Paris",
        "the park",
        "the festival",
        "downtown",
        "the gym",
        "my hometown",
    ],
    "food": ["tacos", "pizza", "coffee", "sushi", "pancakes", "the BBQ", "ice cream"],
    "thing": [
        "the game",
        "the concert",
        "the match",
        "the show",
        "the race",
        "the debate",
        "the parade",
        "the launch",
    ],
}
GENERAL_TEMPLATES: list[tuple[str, str]] = [
    ("positive", "can't wait for {thing} {day}!!"),
    ("positive", "So excited to see {artist} {day} 😍"),
    ("positive", "{team} played brilliantly, what a win"),
    ("positive", "{show} was amazing, best thing I've watched all year"),
    ("positive", "Had the best time at {place} today ☀️"),
    ("positive", "nothing beats {food} {day} with friends"),
    ("positive", "Happy birthday to my wonderful sister ❤️"),
    ("positive", "love this song so much"),
    ("positive", "Proud of {team} tonight. Well deserved"),
    ("positive", "{artist} never misses, {show} is a masterpiece"),
    ("positive", "good luck to everyone running {thing} {day}"),
    ("positive", "What a lovely surprise, thank you all for coming"),
    ("positive", "Finally got tickets for {thing} {day}, so happy"),
    ("positive", "{place} looks gorgeous {day}, enjoy it everyone"),
    ("positive", "Congratulations to {team} on the title 🏆"),
    ("positive", "I may be biased but {show} is fun"),
    ("negative", "{team} lost again. I'm so done with this season"),
    ("negative", "{show} was a huge disappointment"),
    ("negative", "I hate when people spoil {show}"),
    ("negative", "rain ruined {thing} {day}, so annoying"),
    ("negative", "Can't believe {artist} cancelled {thing}. Gutted"),
    ("negative", "Terrible refereeing in {thing}, {team} was robbed"),
    ("negative", "feeling awful, missed {thing} because I was sick"),
    ("negative", "RIP to a true legend. So sad today"),
    ("negative", "the traffic to {place} is a nightmare {day}"),
    ("negative", "worst {food} I've ever had, never again"),
    ("negative", "Why is everyone so angry online today. Exhausting"),
    ("negative", "{artist} should be ashamed of that performance"),
    ("negative", "I don't think {team} deserve to win anything this year"),
    ("negative", "not looking forward to {thing} {day} at all"),
    ("negative", "Another shooting in the news. Heartbreaking"),
    ("negative", "ugh, Monday {day} and I'm already tired"),
    ("neutral", "{thing} starts at 8pm {day} at {place}"),
    ("neutral", "{artist} will perform at {place} {day}"),
    ("neutral", "{team} announced the new coach {day}"),
    ("neutral", "Heading to {place} {day}"),
    ("neutral", "{show} is out {day} on streaming"),
    ("neutral", "The vote on the new budget is scheduled {day}"),
    ("neutral", "Reading about {team}'s transfer rumours"),
    ("neutral", "{artist} talks about {show} in a new interview"),
    ("neutral", "Tickets for {thing} go on sale {day}"),
    ("neutral", "Just landed in {place}"),
    ("neutral", "The forecast says rain at {place} {day}"),
    ("neutral", "getting {food} before {thing}"),
    ("neutral", "{team} vs the visitors {day}, kick off at 3"),
    ("neutral", "Live updates from {place} here"),
]
GENERAL_PER_SENTIMENT = 200

OPENERS = [
    "",
    "",
    "",
    "@brand ",
    "@brand ",
    "Hi @brand ",
    "Hey @brand, ",
    "@brand @brand ",
    "hello, ",
    "",
    "Dear @brand, ",
]
EMOJI = {
    "negative": ["😡", "😤", "😠", "👎", "🤬", "😞", ":("],
    "positive": ["😊", "🙌", "❤️", "👍", "😍", ":)", "🎉"],
    "neutral": ["🤔", "🙂", ""],
}
HASHTAGS = {
    "negative": ["#fail", "#NeverAgain", "#WorstServiceEver", "#disappointed", "#CustomerService"],
    "positive": ["#happycustomer", "#ThankYou", "#LoveIt", "#GreatService"],
    "neutral": ["#help", "#question", "#CustomerService", ""],
}


@dataclass(frozen=True, slots=True)
class Example:
    """One labeled example of the project's own corpus."""

    text: str
    intent: str
    sentiment: str


def _register(text: str, sentiment: str, rnd: random.Random) -> str:
    text = rnd.choice(OPENERS) + text
    roll = rnd.random()
    if roll < 0.25:
        text = text.lower()
    elif roll < 0.30 and sentiment == "negative":
        text = text.upper()
    if rnd.random() < 0.25:
        text = f"{text} {rnd.choice(EMOJI[sentiment])}".rstrip()
    if rnd.random() < 0.15:
        text = f"{text} {rnd.choice(HASHTAGS[sentiment])}".rstrip()
    if rnd.random() < 0.08:
        text = text.replace("so ", "soooo ").replace("very ", "veryyy ")
    if rnd.random() < 0.1:
        text = text.rstrip(".!") + rnd.choice(["!!", "...", " pls", " thx", "?!"])
    return text


def general_examples(per_sentiment: int = GENERAL_PER_SENTIMENT, seed: int = 11) -> list[Example]:
    """Return everyday (not customer) posts labeled with sentiment; their intent is `other`."""
    rnd = random.Random(seed)
    by_sentiment: dict[str, list[str]] = {}
    for sentiment, template in GENERAL_TEMPLATES:
        by_sentiment.setdefault(sentiment, []).append(template)
    out: list[Example] = []
    for sentiment, templates in by_sentiment.items():
        seen: set[str] = set()
        attempts = 0
        while len(seen) < per_sentiment and attempts < per_sentiment * 50:
            attempts += 1
            text = rnd.choice(templates).format(
                **{k: rnd.choice(v) for k, v in GENERAL_SLOTS.items()}
            )
            if rnd.random() < 0.3:
                text = text.lower()
            if rnd.random() < 0.15:
                text = f"{text} {rnd.choice(EMOJI[sentiment])}".rstrip()
            if rnd.random() < 0.1:
                text = f"@friend {text}"
            if text not in seen:
                seen.add(text)
                out.append(Example(text, "other", sentiment))
    return out


def examples(per_intent: int = PER_INTENT, seed: int = 7) -> list[Example]:
    """Return the corpus: `per_intent` distinct examples for each intent, reproducibly."""
    rnd = random.Random(seed)
    by_intent: dict[str, list[tuple[str, str]]] = {}
    for intent, sentiment, template in TEMPLATES:
        by_intent.setdefault(intent, []).append((sentiment, template))
    out: list[Example] = []
    industries = list(INDUSTRIES.values())
    for intent, templates in by_intent.items():
        seen: set[str] = set()
        attempts = 0
        while len(seen) < per_intent and attempts < per_intent * 50:
            attempts += 1
            sentiment, template = rnd.choice(templates)
            slots = rnd.choice(industries)
            text = template.format(
                thing=rnd.choice(slots["thing"]),
                issue=rnd.choice(slots["issue"]),
                staff=rnd.choice(slots["staff"]),
                product=rnd.choice(slots["product"]),
                event=rnd.choice(slots["event"]),
                dur=rnd.choice(DURATIONS),
            )
            text = _register(text, sentiment, rnd)
            if text not in seen:
                seen.add(text)
                out.append(Example(text, intent, sentiment))
    return out
