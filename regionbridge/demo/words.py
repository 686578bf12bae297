"""Built-in words for generated data: names, places and sentences in Ukrainian and English.

Fictional and plain on purpose; nothing here is fetched or looked up at run time.
"""

# (English, Ukrainian)
FIRST_NAMES_UA = [
    ("Olena", "Олена"),
    ("Andrii", "Андрій"),
    ("Iryna", "Ірина"),
    ("Serhii", "Сергій"),
    ("Mariia", "Марія"),
    ("Oleksandr", "Олександр"),
    ("Nataliia", "Наталія"),
    ("Taras", "Тарас"),
    ("Yuliia", "Юлія"),
    ("Dmytro", "Дмитро"),
    ("Oksana", "Оксана"),
    ("Viktor", "Віктор"),
    ("Kateryna", "Катерина"),
    ("Bohdan", "Богдан"),
    ("Halyna", "Галина"),
    ("Mykola", "Микола"),
    ("Sofiia", "Софія"),
    ("Roman", "Роман"),
    ("Tetiana", "Тетяна"),
    ("Yurii", "Юрій"),
]
SURNAMES_UA = [
    ("Kovalenko", "Коваленко"),
    ("Bondarenko", "Бондаренко"),
    ("Tkachenko", "Ткаченко"),
    ("Shevchuk", "Шевчук"),
    ("Melnyk", "Мельник"),
    ("Kravchenko", "Кравченко"),
    ("Oliinyk", "Олійник"),
    ("Lysenko", "Лисенко"),
    ("Moroz", "Мороз"),
    ("Savchenko", "Савченко"),
    ("Hnatiuk", "Гнатюк"),
    ("Rudenko", "Руденко"),
    ("Marchenko", "Марченко"),
    ("Petrenko", "Петренко"),
    ("Zinchenko", "Зінченко"),
    ("Pavlenko", "Павленко"),
    ("Kushnir", "Кушнір"),
    ("Demianchuk", "Дем'янчук"),
    ("Levchenko", "Левченко"),
    ("Humeniuk", "Гуменюк"),
]
FIRST_NAMES_US = [
    ("Emily", "Емілі"),
    ("James", "Джеймс"),
    ("Sarah", "Сара"),
    ("Michael", "Майкл"),
    ("Jennifer", "Дженніфер"),
    ("David", "Девід"),
    ("Laura", "Лора"),
    ("Robert", "Роберт"),
    ("Megan", "Меган"),
    ("Daniel", "Деніел"),
    ("Rachel", "Рейчел"),
    ("Thomas", "Томас"),
    ("Amanda", "Аманда"),
    ("Kevin", "Кевін"),
    ("Susan", "Сьюзен"),
]
SURNAMES_US = [
    ("Miller", "Міллер"),
    ("Johnson", "Джонсон"),
    ("Carter", "Картер"),
    ("Anderson", "Андерсон"),
    ("Brooks", "Брукс"),
    ("Walker", "Вокер"),
    ("Hughes", "Г'юз"),
    ("Bennett", "Беннетт"),
    ("Foster", "Фостер"),
    ("Reynolds", "Рейнольдс"),
    ("Morgan", "Морган"),
    ("Sullivan", "Салліван"),
    ("Coleman", "Коулман"),
    ("Price", "Прайс"),
    ("Howard", "Говард"),
]

# Fictional place names for counties and cities of a partner state.
PLACES = [
    "Maple",
    "Cedar",
    "Harrison",
    "Franklin",
    "Lincoln",
    "Riverside",
    "Fairview",
    "Clayton",
    "Madison",
    "Georgetown",
    "Springfield",
    "Ashland",
    "Greenville",
    "Marion",
    "Oak Grove",
    "Bristol",
    "Clinton",
    "Salem",
    "Milford",
    "Dover",
    "Hudson",
    "Lakewood",
    "Pine Bluff",
    "Westfield",
]

# Institutions by type: (English noun, Ukrainian noun).
INSTITUTION_NOUNS = {
    "university": ("University", "університет"),
    "hospital": ("Regional Hospital", "обласна лікарня"),
    "cultural": ("Museum of Local History", "краєзнавчий музей"),
    "sports_school": ("Youth Sports School", "дитячо-юнацька спортивна школа"),
    "rehabilitation": ("Rehabilitation Center", "реабілітаційний центр"),
    "school": ("Lyceum", "ліцей"),
    "social_service": ("Social Services Center", "центр соціальних служб"),
    "ngo": ("Community Foundation", "громадська організація"),
    "diaspora": ("Ukrainian Community Association", "асоціація української громади"),
    "local_government": ("Community Council", "громада"),
    "business": ("Chamber of Commerce", "торгово-промислова палата"),
    "honorary_consulate": ("Honorary Consulate of Ukraine", "почесне консульство України"),
    "other": ("Partnership Office", "офіс партнерства"),
}
INSTITUTION_WEIGHTS = {
    "university": 14,
    "hospital": 14,
    "cultural": 10,
    "sports_school": 6,
    "rehabilitation": 8,
    "school": 16,
    "social_service": 6,
    "ngo": 12,
    "diaspora": 3,
    "local_government": 5,
    "business": 4,
    "honorary_consulate": 1,
    "other": 1,
}

TITLES = {
    "coordinator": ("Coordinator of regional partnerships", "Координатор регіональних партнерств"),
    "ministry": ("Chief specialist, international cooperation", "Головний спеціаліст"),
    "embassy": ("Counsellor", "Радник"),
    "regional": ("International cooperation officer", "Фахівець з міжнародної співпраці"),
    "partner": ("International affairs liaison", "Представник з міжнародних питань"),
    "institution": ("Head of international office", "Керівник міжнародного відділу"),
}

SUBJECTS_EN = [
    "Delegation visit in {month}",
    "Draft memorandum: comments",
    "Hospital equipment delivery",
    "Student exchange, autumn term",
    "Energy resilience: generators",
    "Joint cultural festival",
    "Rehabilitation training for doctors",
    "School partnership proposal",
    "Agricultural cooperation roadmap",
    "Call next week",
]
SUBJECTS_UK = [
    "Візит делегації у {month}",
    "Проєкт меморандуму: зауваження",
    "Постачання медичного обладнання",
    "Студентський обмін, осінній семестр",
    "Енергостійкість: генератори",
    "Спільний фестиваль культури",
    "Навчання лікарів з реабілітації",
    "Пропозиція партнерства шкіл",
    "Дорожня карта співпраці в аграрній сфері",
    "Дзвінок наступного тижня",
]
MONTHS_EN = ["March", "April", "May", "June", "September", "October", "November"]
MONTHS_UK = ["березні", "квітні", "травні", "червні", "вересні", "жовтні", "листопаді"]

# Sentences are built from a frame and fillers, so messages vary while search finds real words.
FRAMES_EN = [
    "Thank you for the {thing}; we will {act} by {day}.",
    "Our {team} is ready to {act} the {thing} with your colleagues.",
    "Could you send the {thing} before {day}?",
    "The {team} discussed the {thing} and agreed to {act} it.",
    "We need one more signature on the {thing}.",
    "Please find the updated {thing} and let us know your comments.",
    "The {thing} for the {team} is confirmed for {day}.",
    "Let us {act} the {thing} during the call on {day}.",
]
FRAMES_UK = [
    "Дякуємо за {thing}; ми {act} до {day}.",
    "Наша {team} готова обговорити {thing} з вашими колегами.",
    "Чи могли б ви надіслати {thing} до {day}?",
    "{team_cap} розглянула {thing} і погодилася його підтримати.",
    "Потрібен ще один підпис на документі: {thing}.",
    "Надсилаємо оновлений {thing}, чекаємо на ваші зауваження.",
    "{thing_cap} для делегації підтверджено на {day}.",
    "Пропоную обговорити {thing} під час дзвінка в {day}.",
]
THINGS_EN = [
    "draft memorandum",
    "delegation programme",
    "list of equipment",
    "exchange schedule",
    "budget estimate",
    "agreement text",
    "training plan",
    "festival programme",
    "humanitarian shipment",
    "letter of intent",
    "project proposal",
    "meeting agenda",
]
THINGS_UK = [
    "проєкт меморандуму",
    "план візиту",
    "перелік обладнання",
    "графік обміну",
    "кошторис",
    "текст угоди",
    "план навчання",
    "план фестивалю",
    "гуманітарний вантаж",
    "лист про наміри",
    "проєктну пропозицію",
    "порядок денний",
]
ACTS_EN = ["review", "confirm", "prepare", "translate", "sign", "discuss", "share", "update"]
ACTS_UK = [
    "переглянемо",
    "підтвердимо",
    "підготуємо",
    "перекладемо",
    "підпишемо",
    "обговоримо",
    "надішлемо",
    "оновимо",
]
TEAMS_EN = ["team", "working group", "department", "hospital staff", "university office"]
TEAMS_UK = ["команда", "робоча група", "міжнародна служба", "адміністрація", "рада"]
DAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "the end of the month"]
DAYS_UK = ["понеділок", "вівторок", "середу", "четвер", "п'ятницю", "кінець місяця"]
GREETINGS_EN = ["Dear colleagues,", "Hello,", "Good afternoon,", "Hi all,"]
GREETINGS_UK = ["Шановні колеги,", "Добрий день!", "Вітаю!", "Доброго ранку, колеги."]
CLOSINGS_EN = ["Best regards.", "Thank you!", "Kind regards.", "Talk soon."]
CLOSINGS_UK = ["З повагою.", "Дякуємо!", "Гарного дня.", "До зв'язку."]

# Needs and offers (issue 14): a title frames a topic's label or synonym, the description names
# it again in other words and adds a sentence of context with numbers and timing. `{term}` is a
# topic's term in the post's language (nominative; in Ukrainian after a colon or in quotes).
NEED_TITLES_UK = [
    "Потрібна допомога: {term}",
    "Шукаємо партнера за напрямом «{term}»",
    "{Term}: шукаємо досвід і партнерів",
    "{Term} — потрібні фахівці та обладнання",
    "Потреба громади: {term}",
]
NEED_TITLES_EN = [
    "Looking for partners: {term}",
    "Help needed with {term}",
    "{Term}: seeking experience and equipment",
    "Support wanted for {term}",
]
OFFER_TITLES_UK = [
    "Пропонуємо: {term}",
    "Готові поділитися досвідом: {term}",
    "{Term}: навчання і стажування для партнерів",
    "Допомога за напрямом «{term}»",
]
OFFER_TITLES_EN = [
    "We offer {term}",
    "{Term}: training and exchange for Ukrainian partners",
    "Sharing expertise in {term}",
    "{Term} support for communities in Ukraine",
    "Partnership offer: {term}",
]
NEED_LEADS_UK = [
    "Наш заклад розвиває напрям «{term}» і шукає партнера, який поділиться досвідом.",
    "Потребуємо підтримки за напрямом «{term}»: навчання фахівців, обладнання, консультації.",
    "Головне для нас зараз — {term}; власних ресурсів бракує.",
    "Просимо про допомогу: {term}. Готові до спільного проєкту.",
]
NEED_LEADS_EN = [
    "Our organization is developing {term} and looks for a partner who can share experience.",
    "We need support with {term}: staff training, equipment and advice.",
    "Our main gap right now is {term}; we cannot close it alone.",
]
OFFER_LEADS_UK = [
    "Наша команда має досвід за напрямом «{term}» і готова навчати колег.",
    "Можемо допомогти: {term}, консультації, стажування.",
    "Ділимося напрацюваннями: {term}. Шукаємо, кому це потрібно.",
]
OFFER_LEADS_EN = [
    "Our team has long experience in {term} and is ready to train colleagues from Ukraine.",
    "We can help with {term}, consultations and placements.",
    "We would like to share what we know about {term} with a partner in Ukraine.",
    "Our staff and volunteers offer {term}, in person or remotely.",
]
# Context: {n} a round number of people or items (10–500), {m} of specialists (5–15), {k} of
# months (6–18) or weeks (6–12), {month} from MONTHS_UK / MONTHS_EN.
NEED_CONTEXT_UK = [
    "Йдеться про близько {n} осіб на рік.",
    "Хочемо почати у {month} 2025 року; тривалість — {k} місяців.",
    "Маємо приміщення і команду з {m} фахівців, бракує досвіду та обладнання.",
    "Громада готова покрити частину витрат; потрібно {n} комплектів обладнання.",
]
NEED_CONTEXT_EN = [
    "About {n} people a year would benefit.",
    "We would like to start in {month} 2025, for {k} months.",
    "We have premises and a team of {m} specialists but lack experience and equipment.",
]
OFFER_CONTEXT_UK = [
    "Можемо прийняти до {m} фахівців на стажування на {k} тижнів.",
    "Готові почати у {month} 2025 року.",
    "Дистанційне наставництво можливе для {n} учасників на рік.",
]
OFFER_CONTEXT_EN = [
    "We can host up to {m} specialists for {k} weeks.",
    "We could start in {month} 2025.",
    "Remote mentoring is possible for {n} participants a year.",
]
