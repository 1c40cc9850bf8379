package screening

import (
	"strings"

	"github.com/chainfi/chainguard/shared/sanctions"
)

// arabicGlossary are words of organisation names in Arabic script that
// lists write sometimes in transliteration and sometimes in English:
// "الجماعة الاسلامية المقاتلة الليبية" is listed as "Libyan Islamic
// Fighting Group", "جبهة النصرة" as "Jabhat al-Nusrah" and as "Al-Nusrah
// Front". Such a name is screened in two readings (TranslatedReading):
// as transliterated, and with these words in English. The keys are in
// the form arabicKey gives; the words are institutional nouns and their
// adjectives (places are in arabicPlaces, legal forms in
// arabicLegalPhrases, read in every reading). Words that
// are also common personal names or nisbas (هند Hind, خيري Khairi, ليبي
// al-Libi, ایرانی Irani, هلال Hilal) are left out; a few rarer ones stay
// (فولاد, steel, is also a given name): a reading only adds candidates,
// the name as written is always screened too.
var arabicGlossary = map[string]string{
	"جماعه": "group", "جماعت": "group", "مجموعه": "group",
	"حركه": "movement", "حركت": "movement", "تحريك": "movement",
	"جبهه": "front", "جيش": "army", "دوله": "state",
	"منظمه": "organization", "سازمان": "organization", "تنظيم": "organization",
	"لجنه": "committee", "جمعيه": "society", "جمعيت": "society",
	"مكتب": "office", "دفتر": "office", "مركز": "center", "مجلس": "council", "حزب": "party",
	"كتائب": "brigades", "لواء": "brigade", "كتيبه": "battalion",
	"اسلاميه": "islamic", "اسلامي": "islamic",
	"خيريه": "charitable", "اغاثه": "relief",
	"دوليه": "international", "دولي": "international", "عالميه": "international", "عالمي": "international",
	"وطنيه": "national", "وطني": "national", "تجاريه": "trading", "تجاره": "trading",
	"صناعيه": "industrial", "صناعي": "industrial", "عامه": "general",
	"وزاره": "ministry", "وكاله": "agency", "صندوق": "fund", "خدمات": "services",
	"مقاتله": "fighting", "تحرير": "liberation",
	"في":    "in",
	"ليبيه": "libyan",
	"سوريه": "syria",
	"جزيره": "peninsula",

	"فلسطينيه": "palestinian", "جمهوريه": "republic", "جمهوری": "republic",
	"خلیج فارس": "persian gulf",
	// Arabic: trades and bodies
	"مصرف": "bank", "عقاري": "real estate", "سياحه": "tourism", "ديني": "religious", "دينيه": "religious",
	"نقل": "transport", "مقاولات": "contracting", "فصيل": "faction", "شهداء": "martyrs",
	"سوبر ماركت": "supermarket", "ماركت": "market", "استثمار": "investment", "تمويل": "finance",
	"اتصالات": "telecommunications", "نفط": "oil", "بترول": "petroleum", "تامين": "insurance",
	"هندسه": "engineering", "هندسيه": "engineering", "صناعات": "industries", "صناعه": "industry",
	"فولاذ": "steel", "طيران": "airlines", "جامعه": "university", "مستشفى": "hospital",
	"سجن": "prison", "شرطه": "police", "بحريه": "naval", "قوات": "forces", "قوه": "force",
	"حرس": "guard", "ثوري": "revolutionary",
	// Persian: trades and bodies
	"کشتیرانی": "shipping", "کشتی": "ship", "خطوط": "lines", "فولاد": "steel", "پتروشیمی": "petrochemical",
	"زندان": "prison", "صنایع": "industries", "صنعت": "industry", "دانشگاه": "university",
	"سرمایه گذاری": "investment", "توسعه": "development", "ملی": "national", "پلیس": "police",
	"نیروی دریایی": "navy", "نیروی": "force", "دریایی": "naval", "هوایی": "air", "هواپیماسازی": "aircraft", "هواپیما": "aircraft",
	"مهندسی": "engineering", "سوخت": "fuel", "اتمی": "atomic", "هسته ای": "nuclear", "معادن": "mining", "برق": "electricity",
	"مجتمع": "complex", "بین المللی": "international", "تعمیرات": "repair", "گروه": "group",
	"سپاه": "corps", "پاسداران": "guards", "انقلاب": "revolutionary", "دادگاه": "court", "شعبه": "branch",
	"وزارت": "ministry", "اطلاعات": "information", "وزارت اطلاعات": "ministry intelligence", "دفاع": "defense", "نفت": "oil", "گاز": "gas",
	"بیمه": "insurance", "بازرگانی": "trading", "تجارت": "trading", "هولدینگ": "holding",
	"کارخانه": "factory", "کارخانجات": "factories", "ساختمانی": "construction", "خودرو": "automotive",
	"بنیاد": "foundation", "ستاد": "headquarters", "الکترونیک": "electronics", "موشکی": "missile",
	"هوافضا": "aerospace", "راه آهن": "railway", "کشاورزی": "agriculture",
	// More of the words companies and institutions of Iran and the Arab
	// world are named with (a domain glossary, not drawn from any list).
	"صادرات": "export", "واردات": "import", "مسکن": "housing", "نوسازی": "renovation", "بازسازی": "reconstruction",
	"مدیریت": "management", "پروژه": "project", "مشاوره": "consulting", "مشاور": "consultant", "مشاوران": "consultants", "مهندسین": "engineers",
	"پیمانکاری": "contracting", "سازه": "structures", "تجهیزات": "equipment", "قطعات": "parts", "ماشین سازی": "machinery",
	"فلزات": "metals", "آلومینیوم": "aluminium", "سیمان": "cement", "شیمیایی": "chemical", "داروسازی": "pharmaceutical",
	"دارویی": "pharmaceutical", "پزشکی": "medical", "بهداشت": "health", "غذایی": "food", "حمل و نقل": "transportation",
	"ترابری": "transport", "لجستیک": "logistics", "بندر": "port", "بنادر": "ports", "دریانوردی": "maritime",
	"کشتی سازی": "shipbuilding", "نفتکش": "tanker", "ناوگان": "fleet", "هواپیمایی": "airlines", "فرودگاه": "airport",
	"مخابرات": "telecommunications", "ارتباطات": "communications", "فناوری": "technology", "فن آوری": "technology",
	"رایانه": "computer", "نرم افزار": "software", "تحقیقات": "research", "پژوهشگاه": "research institute",
	"پژوهشکده": "research center", "انرژی": "energy", "نیروگاه": "power plant", "پالایش": "refining",
	"پالایشگاه": "refinery", "پخش": "distribution", "حفاری": "drilling", "اکتشاف": "exploration", "تولید": "production",
	"اداره": "administration", "قرارگاه": "headquarters",
	"سازندگی": "construction", "مقاومت": "resistance", "ارتش": "army", "انتظامی": "law enforcement", "امنیت": "security",
	"امنیتی": "security", "دادستانی": "prosecutor", "رادیو": "radio", "تلویزیون": "television", "خبرگزاری": "news agency",
	"رسانه": "media", "انتشارات": "publications", "فرهنگی": "cultural", "آموزشی": "educational", "مدرسه": "school",
	"دانشکده": "college", "بیمارستان": "hospital", "امداد": "relief", "کمیته": "committee", "شورا": "council",
	"مجمع": "assembly", "انجمن": "association", "اتحادیه": "union", "اتاق": "chamber", "بورس": "exchange",
	"اعتبار": "credit", "اعتباری": "credit", "مالی": "financial", "تعاونی": "cooperative",
	"قابضه": "holding", "متحده": "united", "انشاءات": "construction", "انشائيه": "construction", "بناء": "construction",
	"عقاريه": "real estate", "استيراد": "import", "تصدير": "export", "مواد": "materials", "غذائيه": "food",
	"طبيه": "medical", "ادويه": "pharmaceuticals", "كيماويه": "chemical", "غاز": "gas", "صلب": "steel",
	"ملاحه": "shipping", "شحن": "shipping", "لوجستيه": "logistics", "تكنولوجيا": "technology", "معلومات": "information",
	"اعلام": "media", "قناه": "channel", "تلفزيون": "television", "اذاعه": "radio", "صحيفه": "newspaper", "انباء": "news",
	"كليه": "college", "معهد": "institute", "بحوث": "research",
	"دراسات": "studies", "مركزي": "central", "زراعي": "agricultural", "زراعه": "agriculture", "فنادق": "hotels",
	"فندق": "hotel", "فيلق": "corps", "تيار": "movement", "ائتلاف": "coalition", "اتحاد": "union",
	"شعبيه": "popular", "شعبي": "popular", "حشد": "mobilization", "مقاومه": "resistance",
	"سایبری": "cyber", "سایبر": "cyber", "سيبراني": "cyber", "سيبرانيه": "cyber",
	// English words written in Arabic script, and more of the vocabulary
	// of company names.
	"انترناشيونال": "international", "انترناشونال": "international", "انترنشنال": "international",
	"اینترنشنال": "international", "اینترناشنال": "international",
	"حلول": "solutions", "معمل": "factory", "ميكانيكيه": "mechanical", "ميكانيكي": "mechanical",
	"مکانیکی": "mechanical", "آزمایشگاه": "laboratory", "ارزش افزوده": "value added",
	"تلفن همراه": "mobile", "هواتف": "phones", "متحركه": "mobile", "جرائم": "crime", "جرایم": "crime",
	"سازمان یافته": "organized", "بررسی": "investigate", "عمران": "civil", "ساختمان": "construction",
	"فرع": "branch", "تجاري": "commercial", "ناقلات": "tankers", "موارد": "resources", "بث": "broadcasting",
	// Persian plurals written apart (فناوری های: technologies) add nothing
	// to a translated word.
	"ها": "", "های": "",
	"کاشی": "tile", "سرامیک": "ceramic", "سراميك": "ceramic",
	"تقانه": "technology", "تقانيه": "technological", "سياحيه": "tourism", "اعمال": "works",
	// Arabic: more bodies, ranks and adjectives of organisations' names.
	"كبرى": "greater", "كبري": "greater", "عظمى": "great", "الكترونيات": "electronics",
	"الكترونيه": "electronic", "الكتروني": "electronic", "فرقه": "division", "اولى": "first",
	"عربيه": "arab", "شبه القاره": "subcontinent", "هنديه": "indian",
	"وسط": "central", "اوسط": "middle", "متوسط": "mediterranean",
	"امن": "security", "استخبارات": "intelligence", "جهاز": "service", "هيئه": "authority", "سلطه": "authority", "مديريه": "directorate", "اداره عامه": "general directorate",
	"قياده": "command", "اركان": "staff", "مجاهدين": "mujahideen",
	"جند": "soldiers", "نساء": "women", "طلاب": "students",
	"مصارف": "banks", "مالية": "financial", "ماليه": "financial", "صرافه": "exchange", "حواله": "hawala",
	"تحويل": "transfer", "اموال": "money", "مجوهرات": "jewelry", "سيارات": "cars",
	"معدات": "equipment", "الات": "machinery", "مصنع": "factory", "مصانع": "factories", "منتجات": "products",
	"كهرباء": "electricity", "طاقه": "energy", "مياه": "water", "اسمنت": "cement",
	"بلاستيك": "plastics", "نسيج": "textile", "ادوات": "tools", "مستلزمات": "supplies", "توريدات": "supplies",
	"تسويق": "marketing", "توزيع": "distribution", "وكالات": "agencies", "سياحه وسفر": "travel and tourism",
	"عقارات": "real estate", "تطوير": "development", "تنميه": "development", "استشارات": "consulting", "حراسه امنيه": "security",
	"نفايات": "waste", "بيئيه": "environmental", "مرفا": "port", "انشاء": "construction", "انابيب": "pipeline",
	"اغذيه": "foods", "برنامه نویسی": "programming", "کود": "fertilizer", "اوره": "urea", "عملیات": "operations",
	"معدن": "mining", "آهن": "iron", "کارگزاری": "brokerage", "اجنحه": "wings", "مصفاه": "refinery",
	"حراسه": "guarding", "حمايه": "protection", "افق": "horizon",
	"خورشید": "solar", "علوم": "sciences", "فنون": "technology", "راکتور": "reactor",
	// Broad vocabulary of organisation names in Arabic, Persian, Urdu and
	// Pashto, as OFAC, UN and EU lists write it in English (US spelling).
	// Left out: words that are also given or family names, nisbas or
	// titles (عسكري Askari, مدني Madani, علمي Elmi, نظامي Nezami, جهاني
	// Jahani, حديد Hadid, نحاس Nahhas, ذهبي Dhahabi, سفينه Safina, ثقافي
	// Thaqafi, حربي Harbi, نووي Nawawi: only the feminine adjective in ه,
	// or a term of several words, is read), words of the legal forms (عام,
	// خاص), the Persian روی (zinc, also "on", read only in terms), and
	// nouns whose adjective in ي is a family name (انبار, بازار, مسجد, بريد).
	// القوى is read only in terms (عبد القوي is a name), and the words
	// Iranian brands are listed in transliteration by (سرمایه Sarmayeh,
	// اقتصاد Eqtesad, ملت Mellat, نوین Novin) are left as written.
	// Arabic: bodies and institutions.
	"مراكز": "centers", "ابحاث": "research", "بحث": "research", "معاهد": "institutes", "مجالس": "councils",
	"مكاتب": "offices", "غرفه": "chamber", "رابطه": "league", "نقابه": "union", "تعاونيه": "cooperative",
	"ورشه": "workshop", "مختبر": "laboratory", "مختبرات": "laboratories", "مستشفيات": "hospitals",
	"اكاديميه": "academy", "فوج": "regiment", "جويه": "air",
	"لجان": "committees", "صناديق": "funds", "جامعات": "universities", "مدارس": "schools",
	"شركات": "companies", "بنوك": "banks", "دائره": "department", "منتدى": "forum", "مرصد": "observatory",
	"محافظه": "governorate", "ولايه": "province", "اماره": "emirate", "امارت": "emirate", "رئاسه": "presidency",
	"سفاره": "embassy", "قنصليه": "consulate", "بعثه": "mission", "بلديه": "municipality", "محكمه": "court",
	"حكومه": "government", "حكومي": "government", "حكوميه": "government", "داخليه": "interior", "خارجيه": "foreign",
	"شؤون": "affairs", "شئون": "affairs", "مفوضيه": "commission", "شبكه": "network", "شبكات": "networks",
	"عصابه": "gang", "كارتل": "cartel", "ميليشيا": "militia", "مليشيا": "militia", "ميليشيات": "militias",
	"مستوصف": "clinic", "عياده": "clinic", "صيدليه": "pharmacy", "مطعم": "restaurant", "سوق": "market", "مول": "mall",
	"مخازن": "warehouses", "مستودعات": "warehouses", "جمارك": "customs", "ضرائب": "taxes", "ايتام": "orphans",
	"مستضعفين": "oppressed", "سجون": "prisons", "مطار": "airport", "ميناء": "port", "موانئ": "ports",
	"محطه": "station", "محطات": "stations", "سفن": "ships", "بواخر": "ships",
	// Arabic: armed bodies and security, in terms of several words.
	"قوات المسلحه": "armed forces", "قوات مسلحه": "armed forces", "مسلحه": "armed", "مسلح": "armed",
	"قوى الجويه": "air force", "مجلس الاعلى": "supreme council", "قوات الجويه": "air force", "قوى البحريه": "navy", "قوات البحريه": "navy",
	"قوات البريه": "ground forces", "دفاع الجوي": "air defense", "دفاع جوي": "air defense",
	"حرس الثوري": "revolutionary guard", "حرس الجمهوري": "republican guard", "حرس الحدود": "border guard",
	"امن الدوله": "state security", "امن العام": "general security", "مخابرات العامه": "general intelligence",
	"مخابرات الجويه": "air force intelligence", "مخابرات العسكريه": "military intelligence",
	"استخبارات العسكريه": "military intelligence", "فيلق القدس": "qods force",
	"عسكريه": "military", "حربيه": "military", "دفاعيه": "defense", "اسلحه": "weapons", "تسليح": "armament",
	"ذخائر": "ammunition", "صواريخ": "missiles", "متفجرات": "explosives", "طائرات": "aircraft", "طائره": "aircraft",
	// Arabic: trades and sectors.
	"استثمارات": "investments", "استثماريه": "investment", "بورصه": "stock exchange", "صيرفه": "exchange",
	"اوراق ماليه": "securities", "اوراق الماليه": "securities", "ائتمان": "credit", "قروض": "loans",
	"نقود": "money", "عملات": "currencies", "مصرفيه": "banking", "تاجير": "leasing", "اعاده تامين": "reinsurance",
	"اعاده التامين": "reinsurance", "غسل الاموال": "money laundering", "غسيل الاموال": "money laundering",
	"تبييض الاموال": "money laundering", "تبييض": "laundering", "غسيل": "laundering", "تهريب": "smuggling",
	"تهريب المخدرات": "drug trafficking", "اتجار بالمخدرات": "drug trafficking", "مخدرات": "narcotics",
	"توريد": "supply", "مشتريات": "procurement", "قطع الغيار": "spare parts", "قطع غيار": "spare parts",
	"تجاره المعادن": "metal trading", "تجاره معادن": "metal trading", "شحن البحري": "shipping",
	"شحن بحري": "shipping", "ملاحه البحريه": "shipping", "ملاحه بحريه": "shipping", "ماكينات": "machinery", "مكائن": "machinery", "اجهزه": "equipment", "كهربائيه": "electrical", "كهربائي": "electrical",
	"وقود": "fuel", "محروقات": "fuels", "هيدروكربونات": "hydrocarbons", "بتروكيماويات": "petrochemicals",
	"بتروكيماويه": "petrochemical", "بتروكيميائيه": "petrochemical", "كيماويات": "chemicals", "كيميائيه": "chemical",
	"كيمياويه": "chemical", "بتروليه": "petroleum", "نفطيه": "oil", "تعدين": "mining", "مناجم": "mines",
	"معدنيه": "mineral", "زنك": "zinc", "خارصين": "zinc", "الومنيوم": "aluminum", "المنيوم": "aluminum",
	"حديد والصلب": "iron and steel", "حديد وصلب": "iron and steel", "حديد و صلب": "iron and steel",
	"اسمده": "fertilizers", "زجاج": "glass", "اثاث": "furniture", "منسوجات": "textiles", "مركبات": "vehicles",
	"اسكان": "housing", "تشييد": "construction", "مباني": "buildings", "اعمار": "reconstruction",
	"اعاده الاعمار": "reconstruction", "اعاده اعمار": "reconstruction", "تصنيع": "manufacturing",
	"انتاج": "production", "انتاجيه": "production", "تكرير": "refining", "مصافي": "refineries", "معالجه": "processing",
	"تجميع": "assembly", "تركيب": "installation", "صيانه": "maintenance", "تشغيل": "operation", "تخزين": "storage",
	"مشاريع": "projects", "مشروع": "project", "استشاريه": "consulting", "محاسبه": "accounting", "تدقيق": "auditing",
	"تدريب": "training", "نقليات": "transport", "لوجستيات": "logistics", "لوجستيك": "logistics", "سفريات": "travel",
	"سفر والسياحه": "travel and tourism", "سفر و السياحه": "travel and tourism", "سفر وسياحه": "travel and tourism",
	"سفر و سياحه": "travel and tourism", "طيران المدني": "civil aviation", "طيران مدني": "civil aviation",
	"خطوط الجويه": "airlines", "خطوط جويه": "airlines", "سكك الحديد": "railways", "سكك الحديديه": "railways",
	"سكه حديد": "railway", "فندقيه": "hotel", "لحوم": "meat", "دواجن": "poultry", "صرف الصحي": "sewage",
	"منطقه الحره": "free zone", "منطقه حره": "free zone", "غرفه التجاره": "chamber of commerce",
	"غرفه تجاره": "chamber of commerce", "تكنولوجيا المعلومات": "information technology",
	"تقانه المعلومات": "information technology", "تقنيه": "technology", "تقنيات": "technologies", "تقني": "technical",
	"برمجيات": "software", "حاسوب": "computer", "حاسبات": "computers", "انترنت": "internet", "معلوماتيه": "informatics",
	"صحافه": "press", "طباعه": "printing", "مطبعه": "printing", "نشر": "publishing", "اخبار": "news",
	"اعلانات": "advertising", "اعلاميه": "media", "مجله": "magazine",
	"طرد مركزي": "centrifuge", "طرد المركزي": "centrifuge", "تخصيب": "enrichment", "يورانيوم": "uranium",
	"نوويه": "nuclear", "طاقه الذريه": "atomic energy", "طاقه النوويه": "nuclear energy", "صحه": "health",
	"صحيه": "health", "صيدلانيه": "pharmaceutical", "دوائيه": "pharmaceutical", "ضمان الاجتماعي": "social security",
	"ضمان اجتماعي": "social security", "رعايه": "welfare", "انسانيه": "humanitarian", "انساني": "humanitarian",
	"اغاثيه": "relief", "هلال الاحمر": "red crescent", "تعليم": "education", "تعليميه": "educational",
	"تربيه": "education", "تربويه": "educational", "تعليم العالي": "higher education",
	// Arabic: adjectives.
	"متقدمه": "advanced", "متطوره": "advanced", "عموميه": "public", "مشتركه": "joint", "متحد": "united",
	"قوميه": "national", "قومي": "national", "اقتصاديه": "economic", "اقتصادي": "economic",
	"اجتماعي": "social", "اجتماعيه": "social", "ثقافيه": "cultural", "علميه": "scientific",
	"فنيه": "technical", "زراعيه": "agricultural", "مدنيه": "civil", "تنمويه": "development",
	// Persian: bodies and institutions.
	"پژوهش": "research", "تحقیق": "research", "آکادمی": "academy", "کارگاه": "workshop", "پایگاه": "base",
	"یگان": "unit", "تیپ": "brigade", "گردان": "battalion", "فرماندهی": "command", "گارد": "guard",
	"هیئت": "board", "دبیرخانه": "secretariat", "کمیسیون": "commission", "فدراسیون": "federation",
	"سندیکا": "syndicate", "آژانس": "agency", "نمایندگی": "agency", "سفارت": "embassy", "کنسولگری": "consulate",
	"شهرداری": "municipality", "حکومت": "government", "ریاست": "presidency", "مرزبانی": "border guard",
	"پدافند": "defense", "آموزشگاه": "school", "باشگاه": "club", "ورزش": "sports", "درمانگاه": "clinic",
	"کلینیک": "clinic", "داروخانه": "pharmacy", "رستوران": "restaurant", "هتل": "hotel", "ایستگاه": "station",
	"گمرک": "customs", "مالیات": "tax", "انبارداری": "warehousing", "شهدا": "martyrs", "ایثارگران": "veterans",
	"جانبازان": "veterans", "مستضعفان": "oppressed", "بهزیستی": "welfare", "رفاه": "welfare", "نیکوکاری": "charity",
	"بشردوستانه": "humanitarian", "کارگران": "workers", "بازنشستگی": "pension", "روزنامه": "newspaper",
	"نیرو": "force", "نیروی هوایی": "air force", "نیروی زمینی": "ground force", "نیروی قدس": "qods force",
	"سپاه قدس": "qods force", "نیروی مقاومت": "resistance force", "نیروی انتظامی": "law enforcement force",
	"نیروهای مسلح": "armed forces", "نیرو های مسلح": "armed forces", "نیروهای نظامی": "military forces",
	"نیرو های نظامی": "military forces", "ستاد کل": "general staff", "اداره کل": "general directorate",
	"پدافند هوایی": "air defense", "وزارت کشور": "ministry interior", "امور خارجه": "foreign affairs", "امور": "affairs",
	"خارجه": "foreign", "قوه قضاییه": "judiciary", "قوه قضائیه": "judiciary", "سازمان اطلاعات": "intelligence organization",
	"حفاظت اطلاعات": "intelligence protection", "حفاظت": "protection", "پشتیبانی": "support",
	"پشتیبانی نیروهای مسلح": "armed forces logistics", "شبه نظامی": "paramilitary", "صنایع نظامی": "military industries",
	"صنایع دریایی": "marine industries", "صنایع هوایی": "aviation industries", "هلال احمر": "red crescent",
	"اتاق بازرگانی": "chamber of commerce", "منطقه آزاد": "free zone", "منطقه ویژه اقتصادی": "special economic zone",
	// Persian: trades and sectors.
	"تامین اجتماعی": "social security", "بازار سرمایه": "capital market",
	"اوراق بهادار": "securities", "بانکداری": "banking", "بانکی": "banking", "پرداخت": "payment", "پول": "money",
	"پولشویی": "money laundering", "قاچاق": "smuggling", "مواد مخدر": "narcotics", "قاچاق مواد مخدر": "drug trafficking",
	"وام": "loan", "اجاره": "leasing", "بیمه اتکایی": "reinsurance", "تامین تجهیزات": "equipment procurement", "تامین کننده": "supplier", "غیرصنعتی": "non industrial",
	"غیر صنعتی": "non industrial", "تدارکات": "procurement", "خرید": "purchasing",
	"عرضه": "supply", "تجهیز": "equipment", "لوازم": "supplies", "قطعات یدکی": "spare parts", "لوازم یدکی": "spare parts",
	"یدکی": "spare", "ابزار": "tools", "ابزار دقیق": "instrumentation", "ماشین آلات": "machinery", "ماشین": "machine",
	"فلز": "metal", "مس": "copper", "سرب": "lead", "سرب و روی": "lead and zinc", "معادن روی": "zinc mines",
	"تولید روی": "zinc production", "احیای روی": "zinc reduction", "ذوب": "smelting", "احیا": "revival",
	"احياء": "revival", "کنسانتره": "concentrate", "هیدروکربن": "hydrocarbon", "شیمی": "chemical", "پلیمر": "polymer",
	"پلاستیک": "plastics", "کامپوزیت": "composite", "شیشه": "glass", "کاغذ": "paper", "فرش": "carpet", "چرم": "leather",
	"نساجی": "textile", "گوشت": "meat", "لبنیات": "dairy", "شیلات": "fisheries", "دامپروری": "livestock",
	"کشت و صنعت": "agro industry", "مبلمان": "furniture", "مصالح": "materials", "بسته بندی": "packaging",
	"تغليف": "packaging", "فرآوری": "processing", "ساخت": "manufacturing", "ساخت و ساز": "construction",
	"راه سازی": "road construction", "راهسازی": "road construction", "سد سازی": "dam construction",
	"سدسازی": "dam construction", "پیمانکار": "contractor", "مقاول": "contractor", "تعمیر": "repair",
	"نگهداری": "maintenance", "نصب": "installation", "بهره برداری": "operation", "تولید برق": "electricity generation",
	"تولید نیروی برق": "power generation", "نیروی برق": "electric power", "انتقال نیرو": "power transmission",
	"انتقال برق": "power transmission", "آب و فاضلاب": "water and wastewater", "فاضلاب": "wastewater",
	"بازیافت": "recycling", "محیط زیست": "environment", "بيئه": "environment", "انرجي": "energy",
	"غنی سازی": "enrichment", "آب سنگین": "heavy water", "اورانیوم": "uranium", "ایزوتوپ": "isotope",
	"سانتریفیوژ": "centrifuge", "سانتریفوژ": "centrifuge", "دانش بنیان": "knowledge based", "خودکفایی": "self sufficiency",
	"موشک": "missile", "پهپاد": "drone", "تسلیحات": "armaments", "مهمات": "ammunition", "مواد منفجره": "explosives",
	"باربری": "freight", "مسافربری": "passenger transport", "مسافرت": "travel", "گردشگری": "tourism",
	"جهانگردی": "tourism", "توریسم": "tourism", "هوانوردی": "aviation", "خطوط هوایی": "airlines",
	"فناوری اطلاعات": "information technology", "فن آوری اطلاعات": "information technology", "های تک": "high tech",
	"رایانش": "computing", "سخت افزار": "hardware", "اینترنت": "internet", "صدا و سیما": "broadcasting",
	"صدا و سیمای": "broadcasting", "مطبوعات": "press", "چاپ": "printing", "چاپخانه": "printing house",
	"دارو": "pharmaceutical", "درمان": "treatment", "آموزش": "education", "آموزش عالی": "higher education",
	"آموزش و پرورش": "education", "حسابرسی": "auditing", "ایمنی": "safety",
	// Persian: adjectives.
	"پیشرفته": "advanced", "عمومی": "public", "خصوصی": "private", "مشترک": "joint",
	"ویژه": "special", "اجرایی": "executive", "بین الملل": "international",
	// Pashto and Urdu.
	"پراختیا": "development", "پوهنتون": "university", "روغتون": "hospital", "ټولنه": "society",
	"ہسپتال": "hospital", "یونیورسٹی": "university", "بجلی": "electricity", "کمیٹی": "committee", "کونسل": "council",
	"سوسائٹی": "society", "پولیس": "police", "آرمی": "army", "فورس": "force", "اکیڈمی": "academy", "فنڈ": "fund", "بینک": "bank", "بنک": "bank",
	// English words written in Arabic script.
	"انٹرنیشنل": "international", "انترناشنال": "international", "انترنيشنال": "international",
	"انترناسيونال": "international", "اینترنشنل": "international", "انترنشونال": "international",
	"تكنولوجي": "technology", "تکنولوژی": "technology", "تكنولوجيز": "technologies", "تكنولوجيات": "technologies",
	"ٹیکنالوجی": "technology", "هلدینگ": "holding", "هولدنگ": "holding", "هولدينغ": "holding", "هولدنج": "holding",
	"گروپ": "group", "جروب": "group", "جروپ": "group", "لیزینگ": "leasing", "ليزينغ": "leasing", "ليزنج": "leasing",
	"ليزينج": "leasing", "سنتر": "center", "سنٹر": "center", "سینتر": "center", "تريدينغ": "trading",
	"تریدینگ": "trading", "تريدنغ": "trading", "ترايدنغ": "trading", "ٹریڈنگ": "trading", "ٹریڈرز": "traders",
	"تريدرز": "traders", "سيرفيسز": "services", "سرویسز": "services", "سروسز": "services",
	"سرویس": "service", "اكسبرس": "express", "اکسپرس": "express", "ايكسبرس": "express", "كارجو": "cargo",
	"کارگو": "cargo", "كارغو": "cargo", "شيبينغ": "shipping", "شیپینگ": "shipping", "شپنگ": "shipping",
	"مارين": "marine", "ايرلاينز": "airlines", "ايرلاين": "airline", "ايرويز": "airways", "ترافيل": "travel",
	"ٹریول": "travel", "ٹریولز": "travels", "كابيتال": "capital", "کاپیتال": "capital", "فاينانس": "finance",
	"فایننس": "finance", "انفستمنت": "investment", "انشورنس": "insurance", "بتروليوم": "petroleum",
	"پترولیوم": "petroleum", "اويل": "oil", "پترو": "petro", "بترو": "petro", "الكتريك": "electric",
	"الكترونيكس": "electronics", "سيستمز": "systems", "سیستم": "system",
	"سوليوشنز": "solutions", "سولوشنز": "solutions", "كونستركشن": "construction", "ميديكال": "medical",
	"مدیکال": "medical", "فارما": "pharma", "انستیتو": "institute", "انستيتيوت": "institute", "انسٹیٹیوٹ": "institute",
	"كوربوريشن": "corporation", "کارپوریشن": "corporation", "انتربرايز": "enterprise", "انتربرايزز": "enterprises",
	"انٹرپرائزز": "enterprises", "انڈسٹریز": "industries", "اندستريز": "industries", "ٹیکسٹائل": "textile",
	"ملز": "mills", "فاؤنڈیشن": "foundation", "فاونديشن": "foundation", "ٹرسٹ": "trust", "ویلفیئر": "welfare",
	"ويلفير": "welfare", "ایجنسی": "agency", "ایکسچینج": "exchange", "اكسشينج": "exchange", "پرائیویٹ": "private",
	"لمیٹڈ": "limited", "لمٹیڈ": "limited", "گلوبال": "global", "جلوبال": "global", "غلوبال": "global",
	"ورلد": "world", "وورلد": "world", "يونايتد": "united", "رويال": "royal", "گلدن": "golden", "جولدن": "golden",
	"غولدن": "golden", "بلازا": "plaza", "پلازا": "plaza", "ريزورت": "resort", "ميديا": "media",
	"ديجيتال": "digital", "موبايل": "mobile", "تلكوم": "telecom",
	"تلکام": "telecom", "كمبيوتر": "computer", "کامپیوتر": "computer", "بيزنس": "business",
	"اکسپورت": "export", "اكسبورت": "export", "ایکسپورٹ": "export", "امپورت": "import", "امپورٹ": "import",
	"موتورز": "motors", "كيميكال": "chemical", "كيميكالز": "chemicals", "کمیکال": "chemical", "پتروکیم": "petrochemical",
	"بتروكيم": "petrochemical", "بتروكيميكال": "petrochemical", "ماينينغ": "mining", "ماينينج": "mining",
	"ميتالز": "metals", "متالز": "metals", "فودز": "foods", "كونسلتنج": "consulting", "كونسلتينغ": "consulting",
}

// arabicPlaces are the places organisations are named after, read in
// English in a translated reading like the glossary's words, but only as
// written (with or without the article): the adjective in ي that
// glossaryKey reads as its noun is here a nisba, a person's name
// (البغدادي, al-Baghdadi; المصري, al-Masri; الشرقي, al-Sharqi).
var arabicPlaces = map[string]string{
	"دمشق": "damascus", "حلب": "aleppo", "حمص": "homs", "لاذقيه": "latakia", "طرطوس": "tartus",
	"بغداد": "baghdad", "بصره": "basra", "موصل": "mosul", "بيروت": "beirut", "صيدا": "sidon", "قاهره": "cairo",
	"اسكندريه": "alexandria", "دبي": "dubai", "ابوظبي": "abu dhabi", "ابو ظبي": "abu dhabi", "شارقه": "sharjah",
	"عجمان": "ajman", "دوحه": "doha", "كويت": "kuwait", "منامه": "manama", "بحرين": "bahrain", "مسقط": "muscat",
	"صنعاء": "sanaa", "عدن": "aden", "خرطوم": "khartoum", "غزه": "gaza", "قدس": "jerusalem", "اردن": "jordan",
	"يمن": "yemen", "سعوديه": "saudi", "قطر": "qatar", "تركيا": "turkey", "روسيا": "russia", "تهران": "tehran",
	"اصفهان": "isfahan", "شیراز": "shiraz", "مشهد": "mashhad", "تبریز": "tabriz", "کرمان": "kerman",
	"خوزستان": "khuzestan", "بندرعباس": "bandar abbas", "بندر عباس": "bandar abbas", "کیش": "kish",
	"قشم": "qeshm", "کابل": "kabul", "قندهار": "kandahar", "هرات": "herat", "کراچی": "karachi",
	"لاهور": "lahore", "اسلام آباد": "islamabad", "پیشاور": "peshawar", "روسیه": "russia", "ترکیه": "turkey",
	"ونزوئلا": "venezuela", "بریتانیا": "britain", "انگلستان": "england", "آلمان": "germany",
	"لبنان": "lebanon", "امارات": "emirates", "عراق": "iraq", "شام": "levant", "ليبيا": "libya",
	"سوريا": "syria", "صومال": "somalia", "افغانستان": "afghanistan", "باكستان": "pakistan",
	"پاكستان": "pakistan", "مغرب": "maghreb", "غرب": "west", "شرق": "east", "افريقيا": "africa", "مصر": "egypt",
	"فلسطين": "palestine", "ایران": "iran", "چین": "china", "آفریقا": "africa", "اروپا": "europe",
	"خاورمیانه": "middle east", "شمال": "north", "جنوب": "south",
	// Countries, in Arabic and in Persian.
	"موزمبيق": "mozambique", "نيجيريا": "nigeria", "كينيا": "kenya", "تنزانيا": "tanzania",
	"سودان": "sudan", "تشاد": "chad", "نيجر": "niger", "جزائر": "algeria", "تونس": "tunisia", "موريتانيا": "mauritania",
	"فلبين": "philippines", "اندونيسيا": "indonesia", "ماليزيا": "malaysia", "بنغلادش": "bangladesh", "الهند": "india",
	"صين": "china", "يابان": "japan", "كوريا": "korea", "اوكرانيا": "ukraine", "بيلاروسيا": "belarus", "فنزويلا": "venezuela",
	"كوبا": "cuba", "اذربيجان": "azerbaijan", "ارمينيا": "armenia", "جورجيا": "georgia", "كازاخستان": "kazakhstan",
	"اوزبكستان": "uzbekistan", "طاجيكستان": "tajikistan", "تركمانستان": "turkmenistan", "قيرغيزستان": "kyrgyzstan",
	"بريطانيا": "britain", "فرنسا": "france", "المانيا": "germany", "ايطاليا": "italy", "اسبانيا": "spain",
	"هولندا": "netherlands", "بلجيكا": "belgium", "سويسرا": "switzerland", "نمسا": "austria", "سويد": "sweden",
	"يونان": "greece", "قبرص": "cyprus", "مالطا": "malta", "كندا": "canada", "برازيل": "brazil", "ارجنتين": "argentina",
	"امريكا": "america", "فرانسه": "france", "اسپانیا": "spain", "هلند": "netherlands", "سوئیس": "switzerland",
	"اتریش": "austria", "سوئد": "sweden", "یونان": "greece", "قبرس": "cyprus", "آمریکا": "america", "کانادا": "canada",
	"برزیل": "brazil", "ژاپن": "japan", "کره": "korea", "مالزی": "malaysia", "اندونزی": "indonesia",
	"ترکمنستان": "turkmenistan", "تاجیکستان": "tajikistan", "ازبکستان": "uzbekistan", "قزاقستان": "kazakhstan",
	"آذربایجان": "azerbaijan", "ارمنستان": "armenia", "گرجستان": "georgia", "اوکراین": "ukraine", "بلاروس": "belarus",
	"کوبا": "cuba",
}

// glossary and places are arabicGlossary and arabicPlaces keyed by
// arabicKey, so that a word matches whichever of the letters arabicKey
// folds it is written with.
var glossary, places = byArabicKey(arabicGlossary), byArabicKey(arabicPlaces)

func byArabicKey(words map[string]string) map[string]string {
	m := make(map[string]string, len(words))
	for k, v := range words {
		m[arabicKey(k)] = v
	}
	return m
}

// arabicKey folds the letters Arabic-script spellings of one word vary in
// (the hamza seats of alef, ta marbuta, the Persian kaf and yeh, alef
// maksura, the zero-width non-joiner of Persian compounds) for a
// glossary lookup.
func arabicKey(w string) string {
	return strings.Map(func(r rune) rune {
		if r >= '\u064b' && r <= '\u065f' || r == '\u0670' || r == '\u0640' {
			return -1 // short vowels and other marks, and the tatweel
		}
		switch r {
		case '\u200c':
			return ' '
		case 'أ', 'إ', 'آ', 'ٱ':
			return 'ا'
		case 'ة':
			return 'ه'
		case 'ى', 'ی', 'ې', 'ۍ':
			return 'ي'
		case 'ک':
			return 'ك'
		}
		return r
	}, w)
}

// arabicClitics are the prefixes a glossary word is written with, longest
// first: and-the, by-the, so-the, for-the, the, and, for (لإدارة: for
// management, لتجارة: for trading).
var arabicClitics = [...]string{"وال", "بال", "فال", "لل", "ال", "و", "ل"}

// glossaryTerm is the English reading of one Arabic-script word (or
// term of up to three words), with its article and conjunction dropped,
// reading places in English or not, and whether it is a glossary term at
// all (some read as nothing: the Persian plural ها).
func glossaryTerm(w string, withPlaces bool) (string, bool) {
	k := arabicKey(strings.TrimFunc(w, notLetter))
	if t, ok := glossaryKey(k); ok {
		return t, true
	}
	if t, ok := places[k]; ok && withPlaces {
		return t, true
	}
	for _, p := range arabicClitics {
		if rest, ok := strings.CutPrefix(k, p); ok && len(rest) > 2 {
			if t, ok := glossaryKey(rest); ok && t != "" {
				return t, true
			}
			if t, ok := places[rest]; ok && withPlaces {
				return t, true
			}
		}
	}
	return "", false
}

// placeAdjective reads the adjective of a country or place written with
// the article (السوري, العراقية) in a name with glossary words as the
// place (الجيش العربي السوري: the Syrian Arab Army), which trade synonyms
// make its adjective again (Syria, Syrian). In a name without them it is
// a person's nisba (أبو بكر البغدادي, al-Baghdadi) and is never read so;
// without the article it is read as written (ایرانی, Irani).
func placeAdjective(w string) (string, bool) {
	rest, ok := withoutArticle(arabicKey(strings.TrimFunc(w, notLetter)))
	if !ok {
		return "", false
	}
	for _, suf := range [...]string{"يه", "ي"} {
		base, ok := strings.CutSuffix(rest, suf)
		if !ok || len(base) < 4 {
			continue
		}
		for _, end := range [...]string{"", "يا", "يه"} {
			if t, ok := places[base+end]; ok {
				return t, true
			}
		}
	}
	return "", false
}

// withoutArticle is a folded word without its clitics (arabicClitics,
// the longest that opens it), and whether they end in the article.
func withoutArticle(k string) (string, bool) {
	for _, p := range arabicClitics {
		if rest, ok := strings.CutPrefix(k, p); ok {
			return rest, strings.HasSuffix(p, "ال")
		}
	}
	return k, false
}

// nisbaNouns are glossary nouns whose adjective in ي is a common personal
// or family name: غازي is Ghazi, not "gas", and الزنداني al-Zindani.
var nisbaNouns = map[string]bool{"غاز": true, "زندان": true}

// glossaryKey looks a folded word up, and then the word without the
// suffix ي that makes an adjective of a noun in Persian (تولیدی,
// productive, of تولید; صادراتی of صادرات) when the word is not itself in
// the glossary.
func glossaryKey(k string) (string, bool) {
	if t, ok := glossary[k]; ok {
		return t, true
	}
	if base, ok := strings.CutSuffix(k, "ي"); ok && len(base) > 4 && !nisbaNouns[base] {
		if t, ok := glossary[base]; ok && t != "" {
			return t, true
		}
	}
	// The Persian plural written joined: راکتورهای, reactors.
	for _, pl := range [...]string{"هاي", "ها"} {
		if base, ok := strings.CutSuffix(k, pl); ok && len(base) > 4 {
			if t, ok := glossary[base]; ok && t != "" {
				return t, true
			}
		}
	}
	return "", false
}

// TranslatedReading is the name with the glossary words of an
// Arabic-script organisation name in English, and whether there was one
// to translate. Persons are not read so: their names are not translated.
func TranslatedReading(name string, typ sanctions.EntityType) (string, bool) {
	return translatedReading(name, typ, true)
}

// translatedReading is TranslatedReading, with the places of the name
// read in English or left as written: lists write a place a company is
// named after in English (Four Seasons Damascus) as often as in
// transliteration (شرکت سیمان شمال: Shomal Cement Company).
func translatedReading(name string, typ sanctions.EntityType, withPlaces bool) (string, bool) {
	if typ == sanctions.TypePerson || isASCII(name) {
		return "", false
	}
	words := strings.Fields(strings.ReplaceAll(name, "\u200c", " "))
	out := make([]string, 0, len(words))
	changed := false
	for i := 0; i < len(words); {
		// The longest term first: با مسئولیت محدود is ltd, سرمایه
		// گذاری investment.
		n := 0
		for k := min(3, len(words)-i); k >= 1 && n == 0; k-- {
			if t, ok := glossaryTerm(strings.Join(words[i:i+k], " "), withPlaces); ok {
				if t != "" {
					out = append(out, t)
				}
				n = k
			}
		}
		if n == 0 {
			w := words[i]
			if t, ok := placeAdjective(w); ok && withPlaces {
				w = t
			}
			out = append(out, w)
			n = 1
		} else {
			changed = true
		}
		i += n
	}
	if !changed {
		// A place's adjective alone is a nisba (أبو بكر البغدادي).
		return "", false
	}
	return strings.Join(out, " "), true
}

// englishReadings are the English words arabicWords and arabicGlossary
// read Arabic-script words as: in a translated reading such a word is
// English, not a transliteration whose vowels were guessed, and is
// compared as spelt (englishTokens).
var englishReadings = func() map[string]bool {
	m := map[string]bool{}
	for _, g := range []map[string]string{arabicWords, arabicGlossary, arabicPlaces} {
		for _, v := range g {
			for _, w := range strings.Fields(v) {
				m[w] = true
			}
		}
	}
	return m
}()

// englishTokens marks the English words of a translated reading's tokens
// as not from Arabic script.
func englishTokens(toks []Token) {
	for i := range toks {
		if englishReadings[toks[i].Text] {
			toks[i].Abjad = false
		}
	}
}
